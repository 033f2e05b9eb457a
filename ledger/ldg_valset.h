/* The validator set in force at each height (specs/state.md §3.1, consensus.md §2a).
 *
 * Genesis writes the first set ('V', 'v' ‖ be32(i)); those keys never change. A change is
 * one state entry 'W' ‖ be64(from) -> [key bin32 ...]: the whole set in force from block
 * `from` until the next entry. Governance records it (the validator-set proposal kind)
 * at least LDG_VALSET_LEAD blocks before `from`, and entries are never deleted, so the set
 * of any height h is read from the state after any block from h - LDG_VALSET_LEAD on:
 * a reader whose view lags the head by a block or two (the store behind a background
 * write, a node that pipelines the next height) still knows it, and every replica derives
 * the same set from committed state. */
#ifndef LDG_VALSET_H
#define LDG_VALSET_H

#include "ldg_block.h"
#include "ldg_codec.h"
#include "ldg_limits.h"
#include "ldg_state.h"

#define LDG_KEY_VALSET 'W'
#define LDG_VALSET_KEY_LEN 9

typedef struct ldg_valset {
    uint64_t from; /* first height it certifies (0: the genesis set) */
    uint32_t count;
    ldg_pubkey keys[LDG_VALIDATORS_MAX];
} ldg_valset;

void ldg_valset_key(uint8_t key[LDG_VALSET_KEY_LEN], uint64_t from);
/* The entry's value: the canonical array of the keys. */
void ldg_valset_encode(ldg_enc *e, const ldg_valset *v);
/* Decodes an entry's value: one canonical array of 1..LDG_VALIDATORS_MAX distinct valid
 * x-only keys, nothing after it. False with a sentence in why. */
bool ldg_valset_decode(const uint8_t *val, size_t len, ldg_valset *out, char *why, size_t why_len);
/* The set in force at `height`: the last change whose `from` is at most height, else the
 * genesis set. LDG_ERR_CORRUPT if state holds no usable set. */
ldg_err ldg_valset_at(ldg_state *st, uint64_t height, ldg_valset *out) LDG_WARN_UNUSED;
/* The changes recorded (from above `after`), by `from`; at most cap; *n how many. */
ldg_err ldg_valset_changes(ldg_state *st, uint64_t after, ldg_valset *out, uint32_t cap,
                           uint32_t *n) LDG_WARN_UNUSED;
/* The number of changes recorded and the `from` of the last (0 if none). */
ldg_err ldg_valset_summary(ldg_state *st, uint32_t *count, uint64_t *last_from) LDG_WARN_UNUSED;
void ldg_valset_put(ldg_state *st, const ldg_valset *v);

#endif
