/* The executor's view of state: an in-memory overlay over a base (the committed store, or
 * an in-memory map when re-executing for `chain verify`). Reads fall through to the base
 * and are cached; writes stay in the overlay until the block commits. Each transaction
 * runs inside tx_begin/tx_commit or tx_rollback, so a failed transaction leaves nothing.
 *
 * Lifetimes: pointers returned by ldg_state_get stay valid until ldg_state_reset,
 * ldg_state_settle or ldg_state_free (values live in the overlay's arena). */
#ifndef LDG_STATE_H
#define LDG_STATE_H

#include "ldg_assert.h"
#include "ldg_err.h"
#include "ldg_hash.h"
#include "ldg_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The base: a point read (malloc'd value, LDG_ERR_NOT_FOUND if absent) and an ordered
 * prefix scan. */
typedef struct ldg_state_base {
    ldg_err (*get)(void *arg, const uint8_t *key, size_t klen, uint8_t **val, size_t *vlen);
    ldg_err (*scan)(void *arg, const uint8_t *prefix, size_t plen,
                    bool (*fn)(void *fa, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl),
                    void *fa);
    void *arg;
    /* Optional (NULL: not offered): reads n keys at once; found[i] false for a missing
     * key, else vals[i] (malloc'd, the caller frees) and vlens[i]. */
    ldg_err (*multi_get)(void *arg, size_t n, const uint8_t *const *keys, const size_t *klens,
                         uint8_t **vals, size_t *vlens, bool *found);
    /* Optional: called with arg when the overlay is freed (a base that owns arg). */
    void (*release)(void *arg);
    /* Optional (NULL: scan and skip): the ordered prefix scan from the first key at or
     * after start (which begins with the prefix), seeking there rather than reading what
     * is before it. */
    ldg_err (*scan_from)(
        void *arg, const uint8_t *prefix, size_t plen, const uint8_t *start, size_t slen,
        bool (*fn)(void *fa, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl), void *fa);
} ldg_state_base;

typedef struct ldg_state ldg_state;

typedef struct ldg_write {
    const uint8_t *key;
    size_t klen;
    const uint8_t *val; /* NULL when deleted */
    size_t vlen;
} ldg_write;

ldg_state *ldg_state_new(ldg_state_base base);
void ldg_state_free(ldg_state *st);
/* Drops every cached read and pending write (after an abandoned block). */
void ldg_state_reset(ldg_state *st);
/* After the pending writes were committed to the base: they become clean cached values,
 * so the next block reads hot keys (accounts, instruments, balances) without going to the
 * base. Past max_entries keys or max_bytes of arena, only the entries this block looked up
 * are kept (copied into a fresh arena); if those alone are past the limits, resets.
 * Returns whether anything was kept. Only valid when the base now holds exactly the
 * overlay's writes on top of what it held before. Moves values: pointers from
 * ldg_state_get are invalid after it. */
bool ldg_state_settle(ldg_state *st, size_t max_entries, size_t max_bytes);
/* The same, but never resets: for blocks whose writes are not in the base yet (background
 * commits), which must stay cached until they are. Past the limits it keeps what was
 * looked up since epoch `since` (that of the oldest block not yet stored; the current
 * epoch if none). May stay past the limits. */
void ldg_state_settle_keep(ldg_state *st, size_t max_entries, size_t max_bytes, uint32_t since);
/* The block counter: incremented by every settle. */
uint32_t ldg_state_epoch(const ldg_state *st);
/* Reads into the cache, in one batch from the base, those of the n keys it does not hold
 * yet (e.g. a block's replay records, before the block executes): what ldg_state_get
 * would read, sooner. No effect if the base offers no multi_get. */
ldg_err ldg_state_prefetch(ldg_state *st, size_t n, const uint8_t *const *keys,
                           const size_t *klens) LDG_WARN_UNUSED;
/* Whether any key was written since the last reset or settle. */
bool ldg_state_has_writes(const ldg_state *st);

/* LDG_OK with *found false when absent; LDG_ERR_IO if the base failed. */
ldg_err ldg_state_get(ldg_state *st, const void *key, size_t klen, const uint8_t **val,
                      size_t *vlen, bool *found) LDG_WARN_UNUSED;
void ldg_state_put(ldg_state *st, const void *key, size_t klen, const void *val, size_t vlen);
void ldg_state_del(ldg_state *st, const void *key, size_t klen);

/* Ordered scan over base+overlay of keys with the prefix; stops when fn returns false or
 * after max_rows rows. The pointers given to fn are valid only during the call. */
ldg_err ldg_state_scan(ldg_state *st, const void *prefix, size_t plen, size_t max_rows,
                       bool (*fn)(void *arg, const uint8_t *k, size_t kl, const uint8_t *v,
                                  size_t vl),
                       void *arg) LDG_WARN_UNUSED;

/* The same from the first key at or after start (which begins with the prefix): a page
 * that resumes after a cursor. Bounded by the rows it returns when the base offers
 * scan_from (the committed store does), else the base's rows before start are read and
 * skipped. */
ldg_err ldg_state_scan_from(ldg_state *st, const void *prefix, size_t plen, const void *start,
                            size_t slen, size_t max_rows,
                            bool (*fn)(void *arg, const uint8_t *k, size_t kl, const uint8_t *v,
                                       size_t vl),
                            void *arg) LDG_WARN_UNUSED;

void ldg_state_tx_begin(ldg_state *st);
void ldg_state_tx_commit(ldg_state *st);
void ldg_state_tx_rollback(ldg_state *st);

/* The pending writes sorted by key (memcmp, shorter first on a tie). The array lives
 * until the next reset. */
size_t ldg_state_writes(ldg_state *st, const ldg_write **out);

/* State root after a block: tagged_hash("folio/state", prev_root || height_be64 ||
 * H(writes)) where H(writes) = tagged_hash("folio/write", for each sorted write:
 * klen_be32 || key || flag(1 = put, 0 = delete) || vlen_be32 || value). */
void ldg_state_root(ldg_hash *out, const ldg_hash *prev_root, uint64_t height,
                    const ldg_write *writes, size_t count);

/* ---- notes: derived records outside the state root (specs/state.md §8) ----
 *
 * A module may attach a note to the block being executed: one value and up to
 * LDG_NOTE_KEYS_MAX keys under which the chain stores it in its index column family, in the
 * block's own write batch. A note made inside a transaction is undone with it; execution
 * never reads notes back, so nothing in them reaches the state root or a receipt. */

/* What was executing when a note was made: a transaction (set by the executor around each
 * one) or, outside any, a block hook. */
typedef struct ldg_note_origin {
    bool in_tx;
    uint32_t index; /* position of the transaction in its block */
    uint16_t type;  /* its transaction type */
    ldg_hash txid;
} ldg_note_origin;

typedef struct ldg_note_key {
    const uint8_t *key; /* first byte non-zero: keys starting with 0 are the chain's own */
    size_t klen;        /* 1..LDG_NOTE_KEY_LEN_MAX - 12 if positioned, else 1..MAX */
    bool positioned;    /* the chain appends be64(height) || be32(seq): one row per note */
} ldg_note_key;

typedef struct ldg_note {
    ldg_note_origin origin;
    uint32_t seq; /* the note's position in its block, from 0 */
    size_t nkeys;
    ldg_note_key keys[LDG_NOTE_KEYS_MAX];
    const uint8_t *val;
    size_t vlen;
} ldg_note;

/* Sets (NULL: clears) the origin of the notes made from now on. For the executor. */
void ldg_state_set_origin(ldg_state *st, const ldg_note_origin *o);
const ldg_note_origin *ldg_state_origin(const ldg_state *st);
/* Attaches a note (copied). A bad count or length is a programmer error (assert). */
void ldg_state_note(ldg_state *st, const ldg_note_key *keys, size_t nkeys, const void *val,
                    size_t vlen);
/* Notes made since the last reset or settle. */
size_t ldg_state_note_count(const ldg_state *st);
/* The i-th of them; its pointers live until the next note, reset or settle. */
void ldg_state_note_at(const ldg_state *st, size_t i, ldg_note *out);

/* In-memory base (a sorted map), used to re-execute the chain in `chain verify` and in
 * tests. apply() folds a block's writes into it. */
typedef struct ldg_memkv ldg_memkv;
ldg_memkv *ldg_memkv_new(void);
void ldg_memkv_free(ldg_memkv *m);
ldg_state_base ldg_memkv_base(ldg_memkv *m);
void ldg_memkv_apply(ldg_memkv *m, const ldg_write *writes, size_t count);
size_t ldg_memkv_count(const ldg_memkv *m);

#endif
