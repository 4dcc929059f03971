/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * libFuzzer entry point for the pizauth.conf parser: any bytes must give a
 * config or a message, never a crash, a leak or undefined behaviour.
 *   clang -g -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_config.c \
 *       core/config*.c core/uri.c core/buf.c core/secret.c core/err.c -lcrypto
 *   ./a.out -dict=tests/fuzz/fuzz_config.dict -max_len=2048 tests/conf/good
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pz_config *conf;
	struct pz_err err;
	char fp[65];
	size_t i;

	err.msg[0] = '\0';
	conf = pz_config_parse((const char *)data, size, &err);
	if (conf == NULL) {
		/* Every failure says why, in a terminated string. */
		if (err.msg[0] == '\0' || memchr(err.msg, '\0',
		    sizeof(err.msg)) == NULL)
			__builtin_trap();
		return 0;
	}
	for (i = 0; i < conf->naccounts; i++) {
		if (pz_config_account(conf, conf->accounts[i].name) == NULL ||
		    !pz_account_secure_eq(&conf->accounts[i],
		    &conf->accounts[i]) ||
		    pz_account_fingerprint(&conf->accounts[i], fp) != 0)
			__builtin_trap();
	}
	pz_config_free(conf);
	return 0;
}
