/* The consensus core: Tendermint-style round-based BFT (Buchman, Kwon, Milosevic 2018,
 * "The latest gossip on BFT consensus", Algorithm 1) written as a pure state machine.
 *
 * Events go in (net_cons_step), actions come out (net_cons_actions). The core does no I/O,
 * reads no clock, starts no thread, keeps no globals and allocates only in
 * net_cons_create. Signatures are opaque bytes: the driver signs and verifies through the
 * callbacks of net_cons_crypto. Normative description: specs/consensus.md.
 *
 * Driver contract, in short:
 *   - perform the actions of one call in order;
 *   - a NET_CONS_ACT_PERSIST must be durable (fsync) before any later action of the same
 *     call is performed (it always precedes the BROADCAST of the vote it protects);
 *   - timeouts are one-shot: deliver NET_CONS_EV_TIMEOUT with the kind/height/round of the
 *     schedule action after duration_ms; stale ones are ignored by the core;
 *   - after NET_CONS_ACT_COMMIT, execute the block and send NET_CONS_EV_START_HEIGHT for
 *     height + 1 with that height's validator set;
 *   - call NET_CONS_EV_RESEND periodically (messages are resent until superseded). */
#ifndef NET_CONSENSUS_H
#define NET_CONSENSUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldg_assert.h"
#include "ldg_hash.h"
#include "ldg_limits.h"

/* ---- Limits ---------------------------------------------------------------------- */

#define NET_CONS_BLOCK_ID_LEN 32
#define NET_CONS_PUBKEY_LEN 32 /* BIP-340 x-only public key */
#define NET_CONS_SIG_LEN 64    /* BIP-340 Schnorr signature */

/* Bytes signed for a message (before the tagged hash): see net_cons_sign_bytes. */
#define NET_CONS_SIGN_BYTES_MAX (1 + NET_CONS_CHAIN_ID_LEN_MAX + 8 + 4 + 1 + 1 + 32 + 4)

/* Domain tag of the signed-message hash (the same as LDG_TAG_VOTE). */
#define NET_CONS_TAG "folio/vote"

_Static_assert(NET_CONS_VALIDATORS_MAX <= 64, "tallies are uint64_t bitsets");
_Static_assert(NET_CONS_ROUND_SLOTS >= 4, "current, lock, valid round and one more");
_Static_assert(NET_CONS_ROUND_MAX < INT32_MAX, "rounds fit int32_t with room for +1");

/* ---- Values ---------------------------------------------------------------------- */

typedef struct net_cons_block_id {
    uint8_t b[NET_CONS_BLOCK_ID_LEN];
} net_cons_block_id;

/* Message types. The numbers are part of the signed bytes, and their order is the order
 * of signing within one (height, round): never change them. */
typedef enum net_cons_msg_type {
    NET_CONS_PROPOSAL = 1,
    NET_CONS_PREVOTE = 2,
    NET_CONS_PRECOMMIT = 3,
} net_cons_msg_type;

/* One signed consensus message: a proposal (has_block always true, valid_round >= -1) or
 * a prevote/precommit (valid_round is -1; has_block false means a vote for nil). */
typedef struct net_cons_msg {
    uint8_t type; /* net_cons_msg_type */
    bool has_block;
    uint16_t validator; /* index in the height's validator set: signer */
    uint32_t round;
    int32_t valid_round;
    uint64_t height;
    net_cons_block_id block; /* all zero when !has_block */
    uint8_t sig[NET_CONS_SIG_LEN];
} net_cons_msg;

/* The signing state the driver stores durably on NET_CONS_ACT_PERSIST and hands back to
 * net_cons_create after a restart. last is the last message this validator signed
 * (type 0: nothing signed yet); nothing that sorts before it by (height, round, type) is
 * ever signed again. The lock is stored with it because the lock changes only
 * together with a precommit, and with the lock its proof: the 2f+1 prevotes of the
 * polka at locked_round, without which a restarted proposer could not convince the others
 * to move to its locked block (liveness). A driver may store lock_pol[0..lock_pol_count)
 * only. */
typedef struct net_cons_persisted {
    net_cons_msg last;
    /* Everything signed in last's (height, round) ([0]) and in the round of that height
     * signed before it ([1]), by type - 1 (type 0: not signed), so that a restarted
     * validator re-sends its prevote as well as its precommit, and its votes of the round
     * before, which a peer left behind there needs to time out. */
    net_cons_msg round_own[2][3];
    int32_t locked_round; /* -1: not locked */
    net_cons_block_id locked_block;
    uint32_t lock_pol_count;
    net_cons_msg lock_pol[NET_CONS_VALIDATORS_MAX];
} net_cons_persisted;

typedef enum net_cons_timeout_kind {
    NET_CONS_TIMEOUT_PROPOSE = 1,
    NET_CONS_TIMEOUT_PREVOTE = 2,
    NET_CONS_TIMEOUT_PRECOMMIT = 3,
} net_cons_timeout_kind;

typedef enum net_cons_step_kind {
    NET_CONS_STEP_IDLE = 0, /* before the first START_HEIGHT */
    NET_CONS_STEP_PROPOSE = 1,
    NET_CONS_STEP_PREVOTE = 2,
    NET_CONS_STEP_PRECOMMIT = 3,
    NET_CONS_STEP_COMMITTED = 4, /* decided; waiting for START_HEIGHT(height + 1) */
} net_cons_step_kind;

/* Signing and verification, supplied by the driver (BIP-340 over the tagged hash of the
 * sign bytes in production; anything deterministic in tests). Both get the sign bytes of
 * net_cons_sign_bytes. sign returns false if the key is unavailable: the core then halts
 * (every later call returns NET_CONS_RC_HALTED). */
typedef struct net_cons_crypto {
    void *ctx;
    bool (*sign)(void *ctx, uint8_t sig[NET_CONS_SIG_LEN], const uint8_t *msg, size_t msg_len);
    bool (*verify)(void *ctx, const uint8_t pubkey[NET_CONS_PUBKEY_LEN], const uint8_t *msg,
                   size_t msg_len, const uint8_t sig[NET_CONS_SIG_LEN]);
} net_cons_crypto;

/* Test-only deliberate bugs, so that the simulator and the model checker can show they
 * catch them. Production drivers leave this at NET_CONS_MUTATION_NONE. */
typedef enum net_cons_mutation {
    NET_CONS_MUTATION_NONE = 0,
    NET_CONS_MUTATION_NO_LOCK = 1, /* prevote for any valid proposal, ignoring the lock */
} net_cons_mutation;

typedef struct net_cons_config {
    uint8_t chain_id[NET_CONS_CHAIN_ID_LEN_MAX];
    size_t chain_id_len;
    uint8_t self_pubkey[NET_CONS_PUBKEY_LEN]; /* not in a height's set: observer, no votes */
    net_cons_crypto crypto;
    /* Timeout of kind k in round r: k_base_ms + r * k_delta_ms, capped. */
    uint32_t propose_base_ms, propose_delta_ms;
    uint32_t prevote_base_ms, prevote_delta_ms;
    uint32_t precommit_base_ms, precommit_delta_ms;
    /* Signing state from before a restart, or NULL for a fresh validator. Copied. */
    const net_cons_persisted *restored;
    net_cons_mutation mutation;
} net_cons_config;

/* ---- Events ---------------------------------------------------------------------- */

typedef enum net_cons_event_kind {
    NET_CONS_EV_START_HEIGHT = 1, /* height, validators, validator_count */
    NET_CONS_EV_MESSAGE = 2,      /* msg: a proposal or vote received from the network */
    NET_CONS_EV_TIMEOUT = 3,      /* timeout_kind, height, round */
    NET_CONS_EV_VALUE = 4,        /* height, round, block: the block to propose */
    NET_CONS_EV_VALIDITY = 5,     /* height, block, valid: the verdict asked for */
    NET_CONS_EV_RESEND = 6,       /* rebroadcast this node's current messages */
} net_cons_event_kind;

typedef struct net_cons_event {
    net_cons_event_kind kind;
    uint64_t height;
    uint32_t round;
    net_cons_timeout_kind timeout_kind;
    bool valid;
    net_cons_block_id block;
    net_cons_msg msg;
    /* START_HEIGHT: equal-weight validator set, borrowed for the call (copied). */
    const uint8_t (*validators)[NET_CONS_PUBKEY_LEN];
    size_t validator_count;
} net_cons_event;

/* ---- Actions --------------------------------------------------------------------- */

typedef enum net_cons_action_kind {
    NET_CONS_ACT_PERSIST = 1,            /* persisted: store durably before going on */
    NET_CONS_ACT_BROADCAST = 2,          /* msg, then list[0..list_count): send to all */
    NET_CONS_ACT_SCHEDULE_TIMEOUT = 3,   /* timeout_kind, height, round, duration_ms */
    NET_CONS_ACT_REQUEST_VALUE = 4,      /* height, round: reply with NET_CONS_EV_VALUE */
    NET_CONS_ACT_REQUEST_VALIDATION = 5, /* height, block: reply NET_CONS_EV_VALIDITY */
    NET_CONS_ACT_COMMIT = 6,             /* height, round, block, cert */
    NET_CONS_ACT_EVIDENCE = 7,           /* msg and msg2: one validator, conflicting signatures */
} net_cons_action_kind;

typedef struct net_cons_action {
    net_cons_action_kind kind;
    uint64_t height;
    uint32_t round;
    net_cons_timeout_kind timeout_kind;
    uint32_t duration_ms;
    net_cons_block_id block;
    net_cons_msg msg;
    net_cons_msg msg2;
    const net_cons_persisted *persisted; /* PERSIST: valid until the next call */
    /* BROADCAST: more messages to send after msg: for a proposal with valid_round >= 0
     * the prevotes of the polka at valid_round (proof of lock change); for a resend
     * after commit, the rest of the certificate. COMMIT: the certificate, the
     * 2f+1 or more precommits for block in round, by ascending validator index.
     * Borrowed: valid until the next call on the core. */
    const net_cons_msg *list;
    size_t list_count;
} net_cons_action;

typedef struct net_cons_actions {
    size_t count;
    net_cons_action items[NET_CONS_ACTIONS_MAX];
} net_cons_actions;

/* ---- Results --------------------------------------------------------------------- */

/* What became of an event. Everything but OK means the event changed nothing (a message
 * may still have produced EVIDENCE). Numbers are stable. */
typedef enum net_cons_rc {
    NET_CONS_RC_OK = 0,
    NET_CONS_RC_DUPLICATE = 1,     /* already have this exact message */
    NET_CONS_RC_STALE = 2,         /* other height, past round, or step already left */
    NET_CONS_RC_NOT_PROPOSER = 3,  /* proposal from a validator that is not proposer(h, r) */
    NET_CONS_RC_BAD_SIGNATURE = 4, /* verify callback said no */
    NET_CONS_RC_MALFORMED = 5,     /* index, type, round or valid_round out of domain */
    NET_CONS_RC_NO_ROOM = 6,       /* no round slot for that round (see ROUND_SLOTS) */
    NET_CONS_RC_EQUIVOCATION = 7,  /* conflicting signed message: EVIDENCE emitted */
    NET_CONS_RC_HALTED = 8,        /* a sign callback failed earlier: the core is stopped */
} net_cons_rc;

const char *net_cons_rc_str(net_cons_rc rc);

/* ---- Status (for `folio node status`) ------------------------------------------- */

typedef struct net_cons_status {
    uint64_t height;
    uint32_t round;
    net_cons_step_kind step;
    int32_t self_index; /* -1: not a validator at this height */
    uint32_t validator_count;
    int32_t proposer;            /* proposer of (height, round) */
    int32_t last_proposer;       /* signer of the last proposal accepted this height, or -1 */
    uint64_t seen_mask;          /* bit i: validator i sent a valid message this height */
    int32_t locked_round;        /* -1: none */
    int32_t valid_round;         /* -1: none */
    uint64_t last_commit_height; /* 0: none yet */
    uint64_t sign_refusals;      /* signings refused by the persisted-state guard: 0 unless the
                                    driver restored a state newer than the height it started */
} net_cons_status;

/* ---- The core -------------------------------------------------------------------- */

typedef struct net_cons net_cons;

/* Returns a new core (the only allocation it makes), or NULL if out of memory.
 * In: cfg (copied; cfg->restored copied too). The core is idle until START_HEIGHT. */
net_cons *net_cons_create(const net_cons_config *cfg) LDG_WARN_UNUSED;
void net_cons_destroy(net_cons *c);

/* Feeds one event. Out: out->count actions, to be performed in order (out is
 * overwritten). Returns what became of the event. */
net_cons_rc net_cons_step(net_cons *c, net_cons_actions *out, const net_cons_event *ev);

void net_cons_status_get(const net_cons *c, net_cons_status *out);

/* Proposer of (height, round) in a set of n validators: (height + round) mod n. */
uint32_t net_cons_proposer(uint64_t height, uint32_t round, uint32_t n);

/* Quorum (n - f) and weak quorum (f + 1) for n validators, f = (n - 1) / 3. */
uint32_t net_cons_quorum(uint32_t n);
uint32_t net_cons_weak_quorum(uint32_t n);

/* The bytes a message's signature covers (specs/consensus.md, "Signed bytes"). Returns
 * their length. Out: out holds them (NET_CONS_SIGN_BYTES_MAX bytes available). */
size_t net_cons_sign_bytes(uint8_t out[NET_CONS_SIGN_BYTES_MAX], const uint8_t *chain_id,
                           size_t chain_id_len, const net_cons_msg *m);

/* For drivers: the 32-byte digest BIP-340 signs, TaggedHash(NET_CONS_TAG, sign bytes). */
void net_cons_digest(ldg_hash *out, const uint8_t *sign_bytes, size_t len);

/* Whether two messages have the same signed content (signature not compared). */
bool net_cons_msg_same_content(const net_cons_msg *a, const net_cons_msg *b);

#endif
