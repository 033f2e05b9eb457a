/* The sub-chain registry of the main chain (specs/chains.md): which business sub-chains
 * exist, their validator sets and anchoring periods, and their health. Sub-chains anchor by
 * checkpoints (a header and its commit certificate) that anyone registered may relay; the
 * registry verifies each against the sub-chain's registered validator set, freezes a
 * sub-chain that signs two different blocks at one height (keeping both signed headers as
 * evidence), and a block hook marks STALE a sub-chain that misses its period, by main-chain
 * block time only. The ledger core knows nothing of this module. */
#ifndef CHN_H
#define CHN_H

#include "chn_limits.h"
#include "ldg_block.h"
#include "ldg_exec.h"
#include "ldg_proof.h"

/* Transaction types (specs/chains.md §4). Committee-only ones need LDG_ROLE_COMMITTEE. */
enum {
    CHN_TX_CREATE = 140,
    CHN_TX_PAUSE = 141,
    CHN_TX_RESUME = 142,
    CHN_TX_RETIRE = 143,
    CHN_TX_UNFREEZE = 144,
    CHN_TX_SET_VALIDATORS = 145,
    CHN_TX_SET_PERIOD = 146,
    CHN_TX_CHECKPOINT = 150,
    CHN_TX_EVIDENCE = 151,
};

/* Result codes 960..989 (specs/errors.md §2.7). */
enum {
    CHN_R_UNKNOWN = 960,
    CHN_R_EXISTS = 961,
    CHN_R_RETIRED = 962,
    CHN_R_PAUSED = 963,
    CHN_R_FROZEN = 964,
    CHN_R_WRONG_CHAIN = 965,
    CHN_R_BAD_HEADER = 966,
    CHN_R_CERT_BLOCK = 967,
    CHN_R_FEW_SIGNERS = 968,
    CHN_R_BAD_SIGNER = 969,
    CHN_R_BACKWARDS = 970,
    CHN_R_DUPLICATE = 971,
    CHN_R_OLD_SET = 972,
    CHN_R_BAD_VALSET = 973,
    CHN_R_BAD_STATUS = 974,
    CHN_R_BAD_PERIOD = 975,
    CHN_R_BAD_ID = 976,
    CHN_R_EV_MISMATCH = 977,
    CHN_R_EV_SAME_BLOCK = 978,
    CHN_R_EV_NOT_VALIDATOR = 979,
    CHN_R_EV_BAD_SIG = 980,
    CHN_R_EV_KNOWN = 981,
    CHN_R_EV_FULL = 982,
};

typedef enum chn_status {
    CHN_ACTIVE = 1,
    CHN_STALE = 2,
    CHN_FROZEN = 3,
    CHN_RETIRED = 4,
    CHN_PAUSED = 5,
} chn_status;

const char *chn_status_name(uint64_t status);

/* State keys: namespace byte 'M' (specs/chains.md §2). */
#define CHN_KEY_NS 'M'
#define CHN_KEY_RECORD 'r'     /* 'M' 'r' id16 -> record */
#define CHN_KEY_CHECKPOINT 'k' /* 'M' 'k' id16 be64(height) -> checkpoint */
#define CHN_KEY_EVIDENCE 'e'   /* 'M' 'e' id16 be32(n) -> evidence */
#define CHN_KEY_DEADLINE 'd'   /* 'M' 'd' be64(deadline_ms) id16 -> nil */
#define CHN_KEY_GENESIS 'g'    /* 'M' 'g' genesis_hash32 -> id text */
#define CHN_KEY_OFFENCE 'v'    /* 'M' 'v' id16 key32 be64(height) -> evidence number */
#define CHN_KEY_RECORD_LEN (2 + CHN_ID_LEN_MAX)
#define CHN_KEY_CHECKPOINT_LEN (2 + CHN_ID_LEN_MAX + 8)

typedef struct chn_valset {
    uint64_t since; /* first sub-chain height this set signs */
    uint32_t count;
    ldg_pubkey keys[LDG_VALIDATORS_MAX];
} chn_valset;

typedef struct chn_record {
    char id[CHN_ID_LEN_MAX + 1];
    char business[CHN_BUSINESS_LEN_MAX + 1];
    char chain_id[LDG_CHAIN_ID_LEN_MAX + 1];
    ldg_hash genesis_hash;
    ldg_account account;
    uint64_t status;
    uint64_t period_ms;
    chn_valset set;
    bool has_next; /* a change of set announced for a later height (next.since) */
    chn_valset next;
    /* the last checkpoint accepted (height 0: none yet) */
    uint64_t last_height, last_time_ms; /* sub-chain header's height and time */
    ldg_hash last_hash;
    uint64_t anchored_height, anchored_ms; /* main-chain block (creation when none yet) */
    uint32_t signer_count;
    uint32_t signers[LDG_VALIDATORS_MAX]; /* validator indexes that signed the last one */
    uint64_t created_height;
    uint64_t deadline_ms; /* anchored_ms + period_ms: STALE once a block's time passes it */
    uint64_t evidence_count;
} chn_record;

/* Ids: 1..16 of [a-z0-9-]. */
bool chn_id_valid(const char *id);
/* 'M' 'r' id16 into k (CHN_KEY_RECORD_LEN bytes). */
void chn_record_key(uint8_t k[CHN_KEY_RECORD_LEN], const char *id);
/* 'M' 'k' id16 be64(h) into k (CHN_KEY_CHECKPOINT_LEN bytes). */
void chn_checkpoint_key(uint8_t k[CHN_KEY_CHECKPOINT_LEN], const char *id, uint64_t height);

void chn_record_encode(ldg_enc *e, const chn_record *r);
/* [since, [key bin32 ...]] with 1..LDG_VALIDATORS_MAX keys (not checked for validity). */
bool chn_valset_decode(chn_valset *s, const msgpack_object *o);
/* id is the record's (from its key). False if the bytes are not a record. */
bool chn_record_decode(chn_record *r, const char *id, const uint8_t *v, size_t vl);
/* LDG_OK with *found false when absent; LDG_ERR_CORRUPT when it does not decode. */
ldg_err chn_record_get(ldg_state *st, const char *id, chn_record *r, bool *found) LDG_WARN_UNUSED;

/* A stored checkpoint (specs/chains.md §2.2): the header bytes and the certificate as they
 * were verified, where the main chain took it, and the sub-chain's genesis hash. */
typedef struct chn_checkpoint {
    const uint8_t *header; /* points into the decoded bytes */
    size_t header_len;
    ldg_cert cert;
    uint64_t main_height, main_time_ms;
    ldg_hash genesis_hash;
} chn_checkpoint;

void chn_checkpoint_encode(ldg_enc *e, const chn_checkpoint *c);
bool chn_checkpoint_decode_obj(chn_checkpoint *c, const msgpack_object *o);

/* The chain.checkpoint payload [id, header bin, cert] (specs/chains.md §4.8). Pointers into
 * the decoded message. False if it is not of that form (the fuzz target's entry). */
typedef struct chn_checkpoint_tx {
    char id[CHN_ID_LEN_MAX + 1];
    const uint8_t *header;
    size_t header_len;
    ldg_cert cert;
} chn_checkpoint_tx;
bool chn_checkpoint_tx_decode(chn_checkpoint_tx *c, const msgpack_object *payload);
void chn_checkpoint_tx_encode(ldg_enc *e, const char *id, const uint8_t *header, size_t hl,
                              const ldg_cert *cert);

/* One signed vote of a sub-chain validator (specs/chains.md §2.4):
 *   vote = [height u64 >= 1, round u64 <= 2^32-1, type 2|3, block bin32 | nil, sig bin64] */
typedef struct chn_vote {
    uint64_t height, round, type; /* type: LDG_VOTE_PREVOTE or LDG_VOTE_PRECOMMIT */
    bool has_block;               /* false: a vote for nil */
    ldg_hash block;
    ldg_sig sig;
} chn_vote;
void chn_vote_encode(ldg_enc *e, const chn_vote *v);
bool chn_vote_decode(chn_vote *v, const msgpack_object *o);

/* The chain.evidence payload [id, key bin32, vote_a, vote_b] (specs/chains.md §4.9): two
 * votes one validator signed. False if it is not of that form (the fuzz target's entry). */
typedef struct chn_evidence_tx {
    char id[CHN_ID_LEN_MAX + 1];
    ldg_pubkey key;
    chn_vote a, b;
} chn_evidence_tx;
bool chn_evidence_tx_decode(chn_evidence_tx *ev, const msgpack_object *payload);
void chn_evidence_tx_encode(ldg_enc *e, const chn_evidence_tx *ev);

/* Registers the module's result codes, transaction types, block hook and work-due check. */
void chn_module_register(ldg_registry *r);

/* The STALE hook and its work-due check (exported for the tests and the simulation). */
ldg_err chn_stale_hook(ldg_state *st, const ldg_env *env) LDG_WARN_UNUSED;
bool chn_work_due(ldg_state *st, uint64_t time_ms);

/* ---- two-level (cross-chain) proofs, specs/chains.md §6 ----
 *   xbundle = ["folio-xproof", 1, sub_id, X, main_bundle bin, sub_bundle bin]             */
#define CHN_XPROOF_MAGIC "folio-xproof"
#define CHN_XPROOF_VERSION 1

typedef struct chn_xclaim {
    ldg_proof_claim main; /* the main chain's proof of the checkpoint key */
    ldg_proof_claim sub;  /* the fact on the sub-chain */
    char id[CHN_ID_LEN_MAX + 1];
    uint64_t anchor_height; /* X: the anchored sub-chain block */
    char why[400];
} chn_xclaim;

/* Checks a two-level bundle trusting only the main chain's genesis document. Returns the
 * verdict (the main or sub bundle's, LDG_PROOF_KEY etc. for the link between them). */
ldg_proof_rc chn_xproof_verify(const uint8_t *b, size_t len, const uint8_t *main_genesis,
                               size_t glen, chn_xclaim *out);
void chn_xclaim_free(chn_xclaim *c);
void chn_xproof_encode(ldg_enc *e, const char *id, uint64_t anchor_height, const uint8_t *main_b,
                       size_t main_len, const uint8_t *sub_b, size_t sub_len);
/* True if the bytes start as a two-level bundle (its magic), for `folio proof verify`. */
bool chn_xproof_sniff(const uint8_t *b, size_t len);

#endif
