/* libFuzzer target for key files (net_keyfile.c, specs/home.md §2.3).
 *
 * Properties checked on every input, without a passphrase (so no scrypt runs):
 * - the answer is OK, DENIED (a well-formed sealed file) or CORRUPT, nothing else;
 * - OK only for the clear form: exactly 64 hex digits and at most one newline, and the
 *   secret is those digits;
 * - DENIED only for a line starting "folio-key-v1:scrypt:", ending in a newline, within
 *   NET_KEY_FILE_MAX, with cost figures within their limits;
 * - reading never goes past `size` (ASan; the input is copied to an exact-size buffer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_hash.h"
#include "ldg_limits.h"
#include "net_keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    uint8_t secret[32];
    ldg_err e = net_keyfile_open(s, size, NULL, secret);
    LDG_ASSERT(e == LDG_OK || e == LDG_ERR_DENIED || e == LDG_ERR_CORRUPT);
    if (e == LDG_OK) {
        LDG_ASSERT(size == 64 || (size == 65 && s[64] == '\n'));
        char hex[65];
        memcpy(hex, s, 64);
        hex[64] = '\0';
        uint8_t want[32];
        LDG_ASSERT(ldg_hex_decode(want, 32, hex) == 0 && memcmp(want, secret, 32) == 0);
    }
    if (e == LDG_ERR_DENIED) {
        LDG_ASSERT(size <= NET_KEY_FILE_MAX && s[size - 1] == '\n');
        LDG_ASSERT(size > 20 && memcmp(s, "folio-key-v1:scrypt:", 20) == 0);
        unsigned logn = 0;
        for (size_t i = 20; s[i] != ':'; i++)
            logn = logn * 10 + (unsigned)(s[i] - '0');
        LDG_ASSERT(logn >= 1 && logn <= NET_KEY_SCRYPT_LOG_N_MAX);
    }
    free(s);
    return 0;
}

/* Seeds: a clear key and a sealed one (passphrase "pw"). */
size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    static const char *const seeds[] = {
        "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20\n",
        "folio-key-v1:scrypt:15:8:1:000102030405060708090a0b0c0d0e0f:000102030405060708090a0b:"
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff:"
        "00112233445566778899aabbccddeeff\n",
    };
    if (index >= LDG_ARRAY_LEN(seeds))
        return 0;
    size_t n = strlen(seeds[index]);
    if (n > cap)
        return 0;
    memcpy(out, seeds[index], n);
    return n;
}
