/* A member's evidence store on disk (specs/evidence.md §2.2–2.4): the operations that both
 * the CLI (`folio evidence …`) and the node's sync thread (net_evsync.c) do on it, one
 * implementation each: which slices it keeps anchored, reading one back, installing a
 * verified copy, the record index, and deleting the lines after the retention period. */
#ifndef NET_EVSTORE_H
#define NET_EVSTORE_H

#include "ldg_ev.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the chain says of an anchored slice root (evidence anchor, §5). */
typedef struct net_ev_anchored {
    ldg_account subject;
    uint64_t count, t_first, t_last, copies;
    ldg_hash txid;
} net_ev_anchored;

/* Makes the store's folders (STORE, its sources, by-source, ids2, links2 and mirrors) if
 * missing. */
ldg_err net_evstore_open(const char *store, char *err, size_t err_len) LDG_WARN_UNUSED;
/* STORE/<root hex>.<ext>. */
void net_evstore_path(char *out, size_t len, const char *store, const ldg_hash *root,
                      const char *ext);
/* The anchor txid of a stored slice, if its sidecar says it is anchored. */
bool net_evstore_anchored(const char *store, const ldg_hash *root, ldg_hash *txid);
/* The slice roots of the store's *.slice files (malloc'd, unsorted). */
size_t net_evstore_list(const char *store, ldg_hash **out);
/* Reads and decodes a stored slice, checking its records hash to root: LDG_OK, or
 * LDG_ERR_IO / LDG_ERR_CORRUPT (the store was changed) with a sentence in err. */
ldg_err net_evstore_load(const char *store, const ldg_hash *root, ldg_ev_slice *s, char *err,
                         size_t err_len) LDG_WARN_UNUSED;

/* The index of the store's anchored slices: STORE/anchored, the 32-byte roots in the order
 * their anchor sidecars were written, appended once each (evidence.md §2.2). */
#define NET_EVSTORE_INDEX "anchored"

/* Writes the anchor sidecar of root (its txid) and, if it had none, appends root to the
 * index. */
ldg_err net_evstore_mark_anchored(const char *store, const ldg_hash *root, const ldg_hash *txid,
                                  char *err, size_t err_len) LDG_WARN_UNUSED;
/* One page of the index: the roots at positions after.. (at most max, each still with its
 * sidecar) into roots, *next the position after the last entry read, *more whether the
 * index has entries past it. Reads only those entries; a store without an index (written
 * before it) gets one first, from a scan of its folder. */
ldg_err net_evstore_page(const char *store, uint64_t after, ldg_hash *roots, size_t max, size_t *n,
                         uint64_t *next, bool *more, char *err, size_t err_len) LDG_WARN_UNUSED;

/* The root at position pos of the index, whether its sidecar is there or not (the check
 * that a mirror's cursor still points into the same index, evidence.md §2.4): false if
 * the index has no such entry or cannot be read. */
bool net_evstore_row(const char *store, uint64_t pos, ldg_hash *root);

/* Numbers the slice and appends its ids to the record index (net_evindex.h). */
ldg_err net_evstore_idx_add(const char *store, const ldg_hash *root, const ldg_hash *ids, size_t n,
                            char *err, size_t err_len) LDG_WARN_UNUSED;

/* Whether slice file bytes (hostile) are the slice anchored as root: they decode, hash to
 * root, have the anchored subject, count and time range, and each line hashes to its
 * record's payload hash (the root does not cover the lines themselves). */
bool net_evstore_copy_matches(const ldg_hash *root, const uint8_t *z, size_t zl,
                              const net_ev_anchored *an);
/* Puts a verified copy into the store: the file, its anchor sidecar, its ids in the index. */
ldg_err net_evstore_install(const char *store, const ldg_hash *root, const uint8_t *z, size_t zl,
                            const ldg_hash *txid, char *err, size_t err_len) LDG_WARN_UNUSED;

/* Deletes the lines of every anchored slice whose newest record is before now_ms - days
 * (§2.3); *purged counts them. Stops at the first failure (err). */
ldg_err net_evstore_retention(const char *store, uint64_t days, uint64_t now_ms, size_t *purged,
                              char *err, size_t err_len) LDG_WARN_UNUSED;
/* The same for the next `max` rows of the store's index after those the last step read
 * (STORE/retention-at, be64; from the start again once past the end): what one sync pass
 * does (evidence.md §2.3), so that a pass reads at most `max` slice files whatever the
 * store's size; the whole store is gone through every ceil(slices / max) passes. */
ldg_err net_evstore_retention_step(const char *store, uint64_t days, uint64_t now_ms, size_t max,
                                   size_t *purged, char *err, size_t err_len) LDG_WARN_UNUSED;

#endif
