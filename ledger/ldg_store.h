/* The durable store: RocksDB with one column family per kind of record (specs/state.md).
 * Writes go only through ldg_batch + ldg_store_write, so a block, its receipts and its
 * state writes land together. A failed write is sticky: the store refuses every later
 * write (LDG_ERR_STOPPED) rather than limp on with unknown state (LMDB's rule). */
#ifndef LDG_STORE_H
#define LDG_STORE_H

#include "ldg_assert.h"
#include "ldg_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ldg_cf {
    LDG_CF_META = 0,   /* chain id, height, last state root, genesis */
    LDG_CF_STATE = 1,  /* the application state: the keys of the state root */
    LDG_CF_BLOCKS = 2, /* height -> block record (header, txs, certificate, receipts) */
    LDG_CF_TXS = 3,    /* tx id -> (height, index): lookup and replay protection */
    LDG_CF_TREE = 4,   /* the state tree's versioned nodes (ldg_smt.h, state.md §5.4) */
    LDG_CF_INDEX = 5,  /* notes of executed blocks (ldg_state_note): derived, not hashed */
    LDG_CF_COUNT = 6,
} ldg_cf;

typedef struct ldg_store ldg_store;
typedef struct ldg_batch ldg_batch;

/* Opens (creating if missing, unless read_only) the store at path. The write-ahead log is
 * replayed strictly: only a torn last record (a write the crash interrupted, never
 * acknowledged) is dropped; any other damage fails the open (specs/state.md §6.3).
 * Errors: LDG_ERR_CORRUPT (damaged files), LDG_ERR_UNAVAILABLE (another process holds the
 * store's lock), LDG_ERR_IO (anything else). */
ldg_err ldg_store_open(ldg_store **out, const char *path, bool read_only) LDG_WARN_UNUSED;
/* The same, with RocksDB's own words in why (may be NULL). lenient (read only) replays the
 * log up to its first damaged record and stops there: to tell how far a damaged store
 * still reaches, never to run a node on. */
ldg_err ldg_store_open_ex(ldg_store **out, const char *path, bool read_only, bool lenient,
                          char *why, size_t why_len) LDG_WARN_UNUSED;
void ldg_store_close(ldg_store *s);

/* Point read. On LDG_OK *val is malloc'd (caller frees); LDG_ERR_NOT_FOUND if absent. */
ldg_err ldg_store_get(ldg_store *s, ldg_cf cf, const void *key, size_t klen, uint8_t **val,
                      size_t *vlen) LDG_WARN_UNUSED;
/* Reads n keys of one column family in one batch (RocksDB MultiGet): found[i] false for a
 * missing key, else vals[i] (malloc'd) and vlens[i]. */
ldg_err ldg_store_multi_get(ldg_store *s, ldg_cf cf, size_t n, const uint8_t *const *keys,
                            const size_t *klens, uint8_t **vals, size_t *vlens,
                            bool *found) LDG_WARN_UNUSED;
bool ldg_store_has(ldg_store *s, ldg_cf cf, const void *key, size_t klen);

/* Calls fn for each key with the prefix, in key order, until fn returns false.
 * The pointers passed to fn are valid only during the call. Reads a consistent snapshot. */
typedef bool (*ldg_scan_fn)(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
                            size_t vlen);
ldg_err ldg_store_scan(ldg_store *s, ldg_cf cf, const void *prefix, size_t plen, ldg_scan_fn fn,
                       void *arg) LDG_WARN_UNUSED;

/* The same, from the first key at or after `start` (which begins with the prefix). */
ldg_err ldg_store_scan_from(ldg_store *s, ldg_cf cf, const void *prefix, size_t plen,
                            const void *start, size_t slen, ldg_scan_fn fn,
                            void *arg) LDG_WARN_UNUSED;
/* The same in reverse key order, from the last key at or before `start` (which begins with
 * the prefix) down to the first key with the prefix. */
ldg_err ldg_store_scan_back(ldg_store *s, ldg_cf cf, const void *prefix, size_t plen,
                            const void *start, size_t slen, ldg_scan_fn fn,
                            void *arg) LDG_WARN_UNUSED;
/* Whether the column family exists: a store written before it was added and opened read
 * only lacks it (LDG_CF_INDEX); reads of it then find nothing. */
bool ldg_store_has_cf(const ldg_store *s, ldg_cf cf);

/* A batch against one store; freed with ldg_batch_free. */
ldg_batch *ldg_batch_new(ldg_store *s);
void ldg_batch_free(ldg_batch *b);
void ldg_batch_put(ldg_batch *b, ldg_cf cf, const void *key, size_t klen, const void *val,
                   size_t vlen);
void ldg_batch_delete(ldg_batch *b, ldg_cf cf, const void *key, size_t klen);
/* Deletes every key k of cf with begin <= k < end (memcmp order) as one range tombstone:
 * the batch's size does not grow with the keys deleted. */
void ldg_batch_delete_range(ldg_batch *b, ldg_cf cf, const void *begin, size_t blen,
                            const void *end, size_t elen);
/* Applies the batch atomically; with sync the WAL is fsynced before return. */
ldg_err ldg_store_write(ldg_store *s, ldg_batch *b, bool sync) LDG_WARN_UNUSED;
/* Makes every write so far durable (fsyncs the WAL): a run of writes without sync followed
 * by this is as durable as if each had been synced, from this call on. */
ldg_err ldg_store_persist(ldg_store *s) LDG_WARN_UNUSED;

/* Approximate memory held by RocksDB (memtables + block cache), for reports. */
uint64_t ldg_store_memory_bytes(ldg_store *s);

/* RocksDB's own estimate of a column family's size: its table files and its memtables, in
 * bytes (properties rocksdb.total-sst-files-size and rocksdb.cur-size-all-mem-tables; 0 if
 * RocksDB does not answer). For /metrics. */
void ldg_store_sizes(ldg_store *s, ldg_cf cf, uint64_t *sst, uint64_t *mem);

#endif
