/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * floor_sock SOCKET REPLY: the least a control socket can cost, to measure
 * the daemon against on the same machine in the same run.  One connection
 * at a time, blocking: accept, read to end of file, write REPLY, close.
 * No peer check, no deadline, no other work; one silent client stalls it.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	char buf[4096];
	size_t rlen;
	int lfd, fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: floor_sock SOCKET REPLY\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, argv[1]);
	unlink(argv[1]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, SOMAXCONN) == -1) {
		perror("floor_sock");
		return 1;
	}
	rlen = strlen(argv[2]);
	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
			continue;
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		if (write(fd, argv[2], rlen) == -1) {
			/* the client left; nothing to do */
		}
		close(fd);
	}
}
