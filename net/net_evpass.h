/* One replication pass (specs/evidence.md §2.4), the one implementation that both
 * `folio evidence sync` (cli_evidence.c) and the node's sync thread (net_evsync.c) run: for
 * each mirror URL, the slices kept from earlier passes, then the pages of the anchored
 * slices its store keeps (signed as the member, net_evorigin.h) from where the last pass
 * stopped (its cursor in STORE/mirrors, at most LDG_EV_SYNC_PAGES_MAX pages); for each
 * slice this store lacks, its anchor on the member's own chain,
 * the file, the checks of `mirror`, the member's evidence.attest, and the copy installed
 * (net_evstore.h); then the retention period. What differs between the two callers — how
 * they read their own chain, submit the attestation and report — comes in net_evpass_ops. */
#ifndef NET_EVPASS_H
#define NET_EVPASS_H

#include "net_evorigin.h"
#include "net_evstore.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct net_evpass_ops {
    void *arg;
    /* The anchor of root on the member's own chain: LDG_OK, LDG_ERR_NOT_FOUND (not
     * anchored there yet: retried next pass), or another error. */
    ldg_err (*anchor)(void *arg, const ldg_hash *root, net_ev_anchored *out);
    /* Submits evidence.attest [root] signed as the member and waits for its commit: LDG_OK
     * once committed with result OK, LDG_ERR_EXISTS if the member attested it before (an
     * earlier pass that could not install the copy), else an error with a sentence in err. */
    ldg_err (*attest)(void *arg, const ldg_hash *root, char *err, size_t err_len);
    /* A line for the operator (the CLI: stderr; the node: its log): error or progress. */
    void (*say)(void *arg, bool error, const char *line);
} net_evpass_ops;

/* listed: roots the mirrors' index pages gave past the cursors; pages: index pages read;
 * pending: slices kept to retry at the next passes (STORE/mirrors, evidence.md §2.4). */
typedef struct net_evpass_stats {
    size_t mirrors, copied, refused, failed, purged, listed, pages, pending;
} net_evpass_stats;

typedef struct net_evpass_cfg {
    const char *store;   /* the member's store folder */
    const char *mirrors; /* comma-separated RPC URLs of the other members' nodes */
    const net_evorigin_signer *signer;
    int retention_days;       /* 0: lines kept */
    const _Atomic bool *stop; /* set: the pass ends after the slice under way (may be NULL) */
} net_evpass_cfg;

/* Runs one pass; counts into st (zeroed first). LDG_OK, or the retention's error (its
 * sentence given to ops->say); a mirror that fails is counted and the pass goes on. */
ldg_err net_evpass_run(const net_evpass_cfg *cfg, const net_evpass_ops *ops,
                       net_evpass_stats *st) LDG_WARN_UNUSED;

#endif
