/* SHA-256 (OpenSSL libcrypto) and BIP-340 style tagged hashes.
 * Tagged hash: SHA256(SHA256(tag) || SHA256(tag) || msg), one tag per domain. */
#ifndef LDG_HASH_H
#define LDG_HASH_H

#include <stddef.h>
#include <stdint.h>

#define LDG_HASH_LEN 32

typedef struct ldg_hash {
    uint8_t b[LDG_HASH_LEN];
} ldg_hash;

/* Domain tags. Each hash in the protocol names exactly one (specs/encoding.md). */
#define LDG_TAG_TX "folio/tx"
#define LDG_TAG_BLOCK "folio/block"
#define LDG_TAG_STATE "folio/state"
#define LDG_TAG_WRITE "folio/write"
#define LDG_TAG_TXROOT "folio/txroot"
#define LDG_TAG_ACCOUNT "folio/account"
#define LDG_TAG_VOTE "folio/vote"
#define LDG_TAG_TXSIG "folio/txsig"
#define LDG_TAG_GENESIS "folio/genesis"
/* The state tree (ldg_smt.h, specs/state.md §5.2). */
#define LDG_TAG_SMT_KEY "folio/smt/key"           /* path of a state key */
#define LDG_TAG_SMT_VALUE "folio/smt/value"       /* hash of a value */
#define LDG_TAG_SMT_LEAF "folio/smt/leaf"         /* leaf of the plain tree P */
#define LDG_TAG_SMT_INNER "folio/smt/inner"       /* binary inner hash of P and G */
#define LDG_TAG_SMT_REGPATH "folio/smt/regpath"   /* path of a register leaf */
#define LDG_TAG_SMT_REGISTER "folio/smt/register" /* register leaf of the registers tree G */
#define LDG_TAG_SUM_LEAF "folio/sum/leaf"         /* leaf (holding) of a register */
#define LDG_TAG_SUM_INNER "folio/sum/inner"       /* binary inner hash of a register */
#define LDG_TAG_SMT_ROOT "folio/smt/root" /* state root: the plain tree ‖ the registers tree */

void ldg_sha256(ldg_hash *out, const void *data, size_t len);

/* Incremental tagged hash. */
typedef struct ldg_hasher {
    void *ctx; /* EVP_MD_CTX */
} ldg_hasher;

void ldg_hasher_init_tagged(ldg_hasher *h, const char *tag);
void ldg_hasher_update(ldg_hasher *h, const void *data, size_t len);
void ldg_hasher_final(ldg_hasher *h, ldg_hash *out); /* frees the context */

void ldg_tagged_hash(ldg_hash *out, const char *tag, const void *data, size_t len);

/* Hex helpers: out must hold 2*len+1 chars. Returns 0 on success, -1 on bad hex. */
void ldg_hex_encode(char *out, const uint8_t *data, size_t len);
int ldg_hex_decode(uint8_t *out, size_t out_len, const char *hex);

#endif
