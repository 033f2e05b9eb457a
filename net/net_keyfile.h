/* Key files (specs/home.md §2.3): a secret key in the clear (64 hex digits and a newline)
 * or sealed under a passphrase, one line:
 *
 *   folio-key-v1:scrypt:LOGN:R:P:SALT:NONCE:CIPHERTEXT:TAG
 *
 * scrypt (N = 2^LOGN, r, p; a 16-byte random salt) derives a 32-byte key from the
 * passphrase; AES-256-GCM (12-byte random nonce) seals the 32-byte secret, with everything
 * before CIPHERTEXT as additional data, so no figure can be changed unseen. OpenSSL's EVP
 * does both. */
#ifndef NET_KEYFILE_H
#define NET_KEYFILE_H

#include "ldg_assert.h"
#include "ldg_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_KEYFILE_MAGIC "folio-key-v1:"

/* Seals secret under pass (NUL-terminated, 1..NET_PASSPHRASE_MAX bytes): out gets the line
 * with its newline, NUL-terminated. out_len >= NET_KEY_FILE_MAX. */
ldg_err net_keyfile_seal(char *out, size_t out_len, const uint8_t secret[32],
                         const char *pass) LDG_WARN_UNUSED;

/* Whether text is a sealed key file (by its first bytes). */
bool net_keyfile_sealed(const uint8_t *text, size_t len);

/* The secret in a key file's text. Clear: pass is ignored. Sealed: LDG_ERR_DENIED if pass
 * is NULL, LDG_ERR_CRYPTO if the passphrase is wrong or the file was altered. Anything
 * else that is not exactly one of the two forms: LDG_ERR_CORRUPT. */
ldg_err net_keyfile_open(const uint8_t *text, size_t len, const char *pass,
                         uint8_t secret[32]) LDG_WARN_UNUSED;

#endif
