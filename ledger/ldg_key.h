/* Keys and signatures: secp256k1, BIP-340 Schnorr (libsecp256k1), and account ids.
 * An account id is the first 20 bytes of tagged_hash("folio/account", x-only pubkey):
 * short enough for tables and the same width as an EVM address. */
#ifndef LDG_KEY_H
#define LDG_KEY_H

#include "ldg_assert.h"
#include "ldg_err.h"
#include "ldg_hash.h"

#include <stdbool.h>
#include <stdint.h>

#define LDG_PUBKEY_LEN 32
#define LDG_SECKEY_LEN 32
#define LDG_SIG_LEN 64
#define LDG_ACCOUNT_LEN 20

typedef struct ldg_pubkey {
    uint8_t b[LDG_PUBKEY_LEN]; /* BIP-340 x-only public key */
} ldg_pubkey;

typedef struct ldg_account {
    uint8_t b[LDG_ACCOUNT_LEN];
} ldg_account;

typedef struct ldg_keypair {
    uint8_t secret[LDG_SECKEY_LEN];
    ldg_pubkey pub;
} ldg_keypair;

typedef struct ldg_sig {
    uint8_t b[LDG_SIG_LEN];
} ldg_sig;

/* A fresh key from the OS random source (getrandom). */
ldg_err ldg_keypair_generate(ldg_keypair *out) LDG_WARN_UNUSED;
/* Derives the public key; LDG_ERR_CRYPTO if the secret is out of range. */
ldg_err ldg_keypair_from_secret(ldg_keypair *out,
                                const uint8_t secret[LDG_SECKEY_LEN]) LDG_WARN_UNUSED;
/* Signs a 32-byte message hash (fresh auxiliary randomness per signature). */
ldg_err ldg_sign(ldg_sig *out, const ldg_keypair *kp, const ldg_hash *msg) LDG_WARN_UNUSED;
/* Signs deterministically (aux = zero): for tests and benchmarks that need fixed bytes. */
ldg_err ldg_sign_deterministic(ldg_sig *out, const ldg_keypair *kp,
                               const ldg_hash *msg) LDG_WARN_UNUSED;
bool ldg_verify(const ldg_sig *sig, const ldg_hash *msg, const ldg_pubkey *pub);

/* A public key already lifted to a curve point (BIP-340 lift_x), so that a verifier that
 * sees the same signer many times pays for the square root once. Opaque: libsecp256k1's
 * secp256k1_xonly_pubkey. */
typedef struct ldg_pubkey_point {
    uint8_t opaque[64];
} ldg_pubkey_point;
/* False if the 32 bytes are not a valid x-only key. */
bool ldg_pubkey_lift(ldg_pubkey_point *out, const ldg_pubkey *pub);
/* The same check as ldg_verify, with the key already lifted. */
bool ldg_verify_point(const ldg_sig *sig, const ldg_hash *msg, const ldg_pubkey_point *pub);
/* True if the 32 bytes are a valid x-only key on the curve. */
bool ldg_pubkey_valid(const ldg_pubkey *pub);

void ldg_account_of(ldg_account *out, const ldg_pubkey *pub);

/* Fills buf with OS randomness. */
ldg_err ldg_random(void *buf, size_t len) LDG_WARN_UNUSED;

/* Hex of an account: 40 chars + NUL. */
#define LDG_ACCOUNT_HEX_LEN (2 * LDG_ACCOUNT_LEN + 1)
void ldg_account_hex(char out[LDG_ACCOUNT_HEX_LEN], const ldg_account *a);
int ldg_account_parse(ldg_account *out, const char *hex);

/* Schnorr verifications done by this process (ldg_verify, ldg_verify_point), for /metrics. */
uint64_t ldg_verify_count(void);

#endif
