/* The evidence store's record and link indexes (specs/evidence.md §2.2): hints that say
 * where a record is (a slice of the store and the record's index in it), so that a proof,
 * a link at ingest or a chain reads one tile instead of every slice. Nothing read here is
 * trusted: every reader checks the record it is pointed at (its id, or that it holds the
 * link) against its slice's root.
 *
 * Version 2 (what is written): a slice gets a store-local number, its position in
 * STORE/slice-numbers (32-byte roots, appended); STORE/ids2/<first byte of the id, 2 hex>
 * holds entries of id[0..8) || be32 slice number || be32 index, and
 * STORE/links2/<first byte of the linked id> entries of linked_id[0..8) || be32 slice
 * number || be32 index of the linking record, 16 bytes each. Version 1 buckets
 * (STORE/ids/ of 68-byte entries id || slice_root || be32 index, STORE/links/ of 64-byte
 * entries linked_id || linking_id) are still read, never written. */
#ifndef NET_EVINDEX_H
#define NET_EVINDEX_H

#include "ldg_ev.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_EVINDEX_ENTRY 16 /* id[0..8) || be32 slice number || be32 index */
#define NET_EVINDEX_PREFIX 8 /* of the id: a hint, so a short one only costs false hits */
#define NET_EVINDEX_LINK_HINT LDG_EV_LINK_HINT /* per link: linked_id[0..8) || be32 index */
#define NET_EVINDEX_V1_ENTRY 68                /* id || slice_root || be32 index */
#define NET_EVINDEX_V1_LINK 64                 /* linked_id || linking_id */
#define NET_EVINDEX_SLICES "slice-numbers"
#define NET_EVINDEX_IDS "ids2"
#define NET_EVINDEX_LINKS "links2"

/* Entries a batch holds before it is written (16 MiB): an ingest appends its slices' entries
 * every few slices instead of opening the 2 x 256 buckets for each (specs/limits.md). */
#define NET_EVINDEX_BATCH_ENTRIES (1u << 20)

/* Entries of numbered slices not yet appended (zero-initialised; net_evindex_batch_free). */
typedef struct net_evindex_batch {
    uint8_t *ids, *links; /* NET_EVINDEX_ENTRY bytes each */
    size_t n_ids, n_links, cap_ids, cap_links;
} net_evindex_batch;

/* Numbers a slice and adds its entries to b (as net_evindex_add), appending the batch once it
 * holds NET_EVINDEX_BATCH_ENTRIES. A reader sees the entries only once they are flushed: the
 * ingest flushes before it moves its slices into the store. */
ldg_err net_evindex_stage(const char *store, net_evindex_batch *b, const ldg_hash *root,
                          const ldg_hash *ids, size_t n, const uint8_t *links, size_t n_links,
                          char *err, size_t err_len) LDG_WARN_UNUSED;
/* Appends the batch's entries to their buckets and empties it. */
ldg_err net_evindex_flush(const char *store, net_evindex_batch *b, char *err,
                          size_t err_len) LDG_WARN_UNUSED;
void net_evindex_batch_free(net_evindex_batch *b);

/* Numbers a slice (appends its root to STORE/slice-numbers; a torn last entry is cut first)
 * and adds its records' entries and its links' (n_links hints of NET_EVINDEX_LINK_HINT
 * bytes, may be 0) to the indexes, each of the 2 × 256 buckets opened at most once. */
ldg_err net_evindex_add(const char *store, const ldg_hash *root, const ldg_hash *ids, size_t n,
                        const uint8_t *links, size_t n_links, char *err,
                        size_t err_len) LDG_WARN_UNUSED;

/* The root numbered no in the store; false if there is none. */
bool net_evindex_root(const char *store, uint32_t no, ldg_hash *root);

/* A place the index points to: stops the search when it returns true. */
typedef bool (*net_evindex_fn)(void *arg, const ldg_hash *root, uint32_t index);

/* Calls fn with each place the record index gives for id (version 2 entries, then version 1),
 * until fn returns true; returns whether it did. Torn last entries are not read. */
bool net_evindex_find(const char *store, const ldg_hash *id, net_evindex_fn fn, void *arg);

/* Calls fn with each place of a record that the link index says links to id (version 2
 * entries) until fn returns true; the version 1 entries give the linking records' ids
 * instead: up to max of them into v1 (*n_v1). Returns whether fn returned true. */
bool net_evindex_links(const char *store, const ldg_hash *id, net_evindex_fn fn, void *arg,
                       ldg_hash *v1, size_t max, size_t *n_v1);

#endif
