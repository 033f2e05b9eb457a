/* A client of another member's evidence store (specs/evidence.md §2.4): the pages of its
 * anchored slices and a slice file by chunks, each request signed as this member
 * (evidence_slices and evidence_slice are for consortium members: rpc.md §1.2). Used by
 * the sync pass (net_evpass.h) and by `folio evidence restore --from URL`. */
#ifndef NET_EVORIGIN_H
#define NET_EVORIGIN_H

#include "ldg_ev.h"
#include "ldg_key.h"
#include "net_rpc.h"

#include <stdbool.h>
#include <stddef.h>

/* Who calls: the member's key and the chain (the genesis hash the signatures bind). */
typedef struct net_evorigin_signer {
    const ldg_keypair *key;
    ldg_hash genesis;
} net_evorigin_signer;

/* The index rows around a page, as the origin says them (evidence.md §2.4): the row just
 * before the page's start (prev) and its last row (last), given or hidden. */
typedef struct net_evorigin_rows {
    bool has_prev, has_last;
    ldg_hash prev, last;
} net_evorigin_rows;

/* One page of the origin's anchored slices from position *pos of its index: at most
 * LDG_EV_LIST_MAX roots into roots, *pos moved to the reply's next (which must move
 * forward by at most LDG_EV_LIST_MAX, and at least by the roots given: a reply that does
 * not is refused, so paging always ends), the rows around it into rows. False with a
 * sentence in err. */
bool net_evorigin_page(net_client *c, const net_evorigin_signer *s, uint64_t *pos,
                       ldg_hash roots[LDG_EV_LIST_MAX], size_t *n, bool *more,
                       net_evorigin_rows *rows, char *err, size_t err_len);

/* The file of slice root, chunk by chunk (malloc'd, *len bytes), or NULL with err and
 * *answered (may be NULL) false if the node did not answer at all (unreachable, timed out),
 * true if it answered with a refusal or bytes that are refused. */
uint8_t *net_evorigin_fetch(net_client *c, const net_evorigin_signer *s, const ldg_hash *root,
                            size_t *len, bool *answered, char *err, size_t err_len);

#endif
