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

/* One page of the origin's anchored slices from position *pos of its index: at most
 * LDG_EV_LIST_MAX roots into roots, *pos moved to the reply's next (which must move
 * forward by at most LDG_EV_LIST_MAX, and at least by the roots given: a reply that does
 * not is refused, so paging always ends). False with a sentence in err. */
bool net_evorigin_page(net_client *c, const net_evorigin_signer *s, uint64_t *pos,
                       ldg_hash roots[LDG_EV_LIST_MAX], size_t *n, bool *more, char *err,
                       size_t err_len);

/* The file of slice root, chunk by chunk (malloc'd, *len bytes), or NULL with err. */
uint8_t *net_evorigin_fetch(net_client *c, const net_evorigin_signer *s, const ldg_hash *root,
                            size_t *len, char *err, size_t err_len);

#endif
