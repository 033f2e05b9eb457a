/* Proof bundles (specs/proofs.md): one fact about the state after block H -- a key's value
 * or absence, a holding with its register's total -- with its state-tree path, headers H
 * and H+1, block H+1's commit certificate and what it takes to trust that certificate from
 * genesis. Built on a node (ldg_proof_build), checked anywhere with nothing but the genesis
 * document (ldg_proof_verify): every byte of a bundle is hostile.
 *
 *   bundle = ["folio-proof", 1 | 2, genesis_hash, H, kind, [fact...], anchor, trust]
 *   fact   = [key, value | nil, tree proof]
 *   anchor = [header H bytes, header H+1 bytes, cert H+1]                                    */
#ifndef LDG_PROOF_H
#define LDG_PROOF_H

#include "ldg_block.h"
#include "ldg_chain.h"
#include "ldg_limits.h"

#define LDG_PROOF_MAGIC "folio-proof"
#define LDG_PROOF_VERSION 1
/* The version of a bundle whose trust list is not empty (proofs.md §5). */
#define LDG_PROOF_VERSION_TRUST 2

/* Verdicts: stable numbers (specs/proofs.md §4), printed with a sentence naming the field. */
typedef enum ldg_proof_rc {
    LDG_PROOF_OK = 0,
    LDG_PROOF_MALFORMED = 1,    /* not one canonical value, or a field of the wrong form */
    LDG_PROOF_TOO_LARGE = 2,    /* over LDG_PROOF_BUNDLE_MAX */
    LDG_PROOF_NOT_A_BUNDLE = 3, /* not an array of 8 starting with "folio-proof" */
    LDG_PROOF_BAD_VERSION = 4,  /* a version this verifier does not know */
    LDG_PROOF_BAD_GENESIS = 5,  /* the genesis document given does not decode */
    LDG_PROOF_WRONG_CHAIN = 6,  /* the bundle is of another chain than the genesis given */
    LDG_PROOF_HEIGHT = 7,       /* the headers are not of heights H and H+1 */
    LDG_PROOF_LINK = 8,         /* header H+1 does not follow header H */
    LDG_PROOF_VALSET = 9,       /* validator-set changes this version cannot follow */
    LDG_PROOF_CERT = 10,        /* the certificate does not sign header H+1 with a quorum */
    LDG_PROOF_KEY = 11,         /* the facts are not the keys the kind names */
    LDG_PROOF_ROOT = 12,        /* a tree proof does not lead to the certified state root */
    LDG_PROOF_VALUE = 13,       /* a proven value is not of the form its key holds */
    LDG_PROOF_SUPPLY = 14,      /* the register total differs from the issued supply */
} ldg_proof_rc;

const char *ldg_proof_rc_name(ldg_proof_rc rc);

typedef enum ldg_proof_kind {
    LDG_PROOF_KIND_KEY = 1,
    LDG_PROOF_KIND_HOLDING = 2,
    LDG_PROOF_KIND_INSTRUMENT = 3,
    LDG_PROOF_KIND_PARTICIPANT = 4,
    LDG_PROOF_KIND_INVESTOR = 5,
} ldg_proof_kind;

/* Instrument ids in keys: ASCII padded with zero bytes to 12 (state.md §3.2). */
#define LDG_PROOF_ID_LEN 12

typedef struct ldg_proof_fact {
    const uint8_t *key;
    size_t key_len;
    bool present;
    const uint8_t *value; /* present only */
    size_t value_len;
    const uint8_t *proof;
    size_t proof_len;
} ldg_proof_fact;

/* What a bundle says, decoded; pointers into the bundle bytes. */
typedef struct ldg_proof_bundle {
    ldg_hash genesis_hash;
    uint64_t height;
    uint64_t kind;
    uint32_t fact_count;
    ldg_proof_fact facts[LDG_PROOF_FACTS_MAX];
    const uint8_t *header_h;
    size_t header_h_len;
    const uint8_t *header_next;
    size_t header_next_len;
    ldg_cert cert_next;
    /* trust: the encoded array of steps (proofs.md §5), trust_count of them; 0 = none */
    const uint8_t *trust;
    size_t trust_len;
    uint32_t trust_count;
    const msgpack_object *trust_steps; /* decoded (verifier) */
} ldg_proof_bundle;

void ldg_proof_encode(ldg_enc *e, const ldg_proof_bundle *b);

/* What a verified bundle proves (valid when the verdict is LDG_PROOF_OK; the fields the
 * verifier reached are set on failure too). Copies: the bundle bytes may go. */
typedef struct ldg_proof_claim {
    ldg_proof_rc rc;
    char why[320]; /* the sentence: what failed, naming the field */
    char chain_id[LDG_CHAIN_ID_LEN_MAX + 1];
    uint64_t kind;
    uint64_t height;  /* H */
    uint64_t time_ms; /* block H's time */
    ldg_hash block_hash;
    ldg_hash state_root;
    uint32_t signers, validators; /* the certificate's signatures, the set's size */
    uint8_t key[LDG_PROOF_KEY_MAX];
    size_t key_len;
    bool present;
    uint8_t *value; /* malloc'd, on LDG_PROOF_OK and present only; ldg_proof_claim_free */
    size_t value_len;
    /* holding / instrument */
    char id[LDG_PROOF_ID_LEN + 1];
    uint8_t account[20];
    uint64_t quantity; /* holding; 0 if absent */
    bool has_total;
    uint64_t total; /* the register total the holding's path carries */
    bool has_asset;
    uint64_t asset_kind, supply, scale;
    char asset_name[LDG_NAME_LEN_MAX + 1];
    /* participant */
    char name[LDG_NAME_LEN_MAX + 1];
    uint64_t roles, reg_height;
    /* investor */
    uint64_t category, risk_class;
    int64_t kyc_expiry_days;
} ldg_proof_claim;

/* Checks bundle[0..len) against the genesis document genesis[0..glen), with no node and no
 * network (specs/proofs.md §4); the first failure is the verdict. */
ldg_proof_rc ldg_proof_verify(const uint8_t *bundle, size_t len, const uint8_t *genesis,
                              size_t glen, ldg_proof_claim *out);
void ldg_proof_claim_free(ldg_proof_claim *c);

/* The same for a bundle whose header H+1 is trusted by other means -- a main chain anchored
 * it (specs/chains.md §6): header_next must be exactly header[0..header_len), the bundle's
 * genesis hash genesis_hash; the certificate is then not checked (the anchoring checked it)
 * and no genesis document is needed. Steps 12-15 as for ldg_proof_verify. */
ldg_proof_rc ldg_proof_verify_anchored(const uint8_t *bundle, size_t len, const uint8_t *header,
                                       size_t header_len, const ldg_hash *genesis_hash,
                                       ldg_proof_claim *out);

/* The state tree's check of one fact's proof against root (state.md): sets *has_total and
 * *total when the path carries a register total. False with a sentence in why. */
bool ldg_proof_tree_check(const ldg_hash *root, const ldg_proof_fact *f, bool *has_total,
                          uint64_t *total, char *why, size_t why_len);

/* ---- the chain of validator sets (proofs.md §5) ----
 *
 *   step = [c u64, header c+1 bytes, cert c+1, fact ['W' ‖ be64(F), set, tree proof]]
 *
 * Starting from the genesis set, each step's certificate must verify under the set then in
 * force (F_prev <= c+1 < F) and its fact must prove, against header c+1's prev_state_root,
 * the set in force from F; that set is then current. `upto`: no step may take effect after
 * it (the height whose certificate the caller checks next). On success *set is the set in
 * force at upto, set->from its first height. LDG_PROOF_VALSET with the step named in why. */
#include "ldg_valset.h"
ldg_proof_rc ldg_trust_follow(const msgpack_object *steps, uint32_t n, const ldg_genesis *g,
                              uint64_t upto, ldg_valset *set, char *why, size_t why_len);
/* Encodes one verified or built step. */
void ldg_trust_step_encode(ldg_enc *e, uint64_t c, const uint8_t *header, size_t header_len,
                           const ldg_cert *cert, const ldg_proof_fact *fact);
/* The steps of every change in force by `upto` (changes with F <= upto), appended to e as
 * one array; *n how many. Each step is built from the state tree at F - 2 and block F - 1,
 * or read from the store's record of it (kept once built or received by state sync:
 * history may be pruned later). LDG_ERR_NOT_FOUND with a sentence if a step can be neither. */
ldg_err ldg_trust_build(ldg_chain *c, uint64_t upto, ldg_enc *e, uint32_t *n, char *why,
                        size_t why_len) LDG_WARN_UNUSED;
/* Keeps a verified step (its encoding) for the change in force from F. */
ldg_err ldg_trust_keep(ldg_store *s, uint64_t from, const uint8_t *step,
                       size_t len) LDG_WARN_UNUSED;
/* Keeps n decoded steps (verified by ldg_trust_follow), each under its change's height. */
ldg_err ldg_trust_keep_all(ldg_store *s, const msgpack_object *steps, uint32_t n) LDG_WARN_UNUSED;

/* ---- building (on a node) ---- */

/* The state tree's proof of `key` in the state after block `height` (state.md): its value
 * (malloc'd, *present false if absent) and the proof bytes (malloc'd). LDG_ERR_NOT_FOUND
 * with a sentence if that height's state is no longer (pruned) or not yet kept. */
ldg_err ldg_proof_tree_prove(ldg_chain *c, uint64_t height, const uint8_t *key, size_t key_len,
                             bool *present, uint8_t **value, size_t *value_len, uint8_t **proof,
                             size_t *proof_len, char *why, size_t why_len) LDG_WARN_UNUSED;

/* Which state to prove: `height` if has_height, else the last block whose time is at most
 * until_ms if has_until, else the newest certified state (tip - 1). */
typedef struct ldg_proof_at {
    bool has_height;
    uint64_t height;
    bool has_until;
    uint64_t until_ms;
} ldg_proof_at;

/* Builds the bundle of `kind` for `key` (for a holding the 'b' key; the instrument's key
 * is added) into *out (malloc'd). LDG_ERR_NOT_FOUND/INVALID with a sentence in why. */
ldg_err ldg_proof_build(ldg_chain *c, uint64_t kind, const uint8_t *key, size_t key_len,
                        const ldg_proof_at *at, uint8_t **out, size_t *out_len, uint64_t *height,
                        char *why, size_t why_len) LDG_WARN_UNUSED;

#endif
