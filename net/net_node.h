/* A folio node: the state its components share (the chain, admission, the pool) and the
 * status they publish. net_node.c composes them: admission (net_admit) -> one pool
 * (net_pool) -> a consensus driver (net_bft for several validators, net_solo for one) ->
 * the chain's commit; block sync (net_sync); the RPC server (net_query). */
#ifndef NET_NODE_H
#define NET_NODE_H

#include "ldg_chain.h"
#include "ldg_limits.h"
#include "net_admit.h"
#include "net_clock.h"
#include "net_home.h"
#include "net_pool.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

typedef struct net_node_opts {
    const char *home;
    bool dev;                  /* development mode: block time can be moved forward */
    int ready_fd;              /* if >= 0, one byte is written here once the RPC socket serves */
    bool observer;             /* follow the chain without voting (multi-validator chains) */
    bool sync_from_checkpoint; /* state sync from a certified checkpoint first (net_snap.h) */
    const char *http;  /* HOST:PORT of the HTTP API, overriding [http] listen; NULL: config */
    bool release_lock; /* HOME/node.lock is released when the node closes, also when its open
                        * fails (a hosted chain started again in a running process) */
    /* The passphrase of the sealed key [evidence] attest_as, as `folio node start` got it
     * ($FOLIO_PASSPHRASE or its terminal); NULL: the node's own sources (net_evsync.h). */
    const char *ev_passphrase;
} net_node_opts;

typedef struct net_node {
    char home[NET_PATH_MAX];
    net_config cfg;
    ldg_registry *reg;
    ldg_chain *chain;
    net_pool *pool; /* every admitted transaction waiting for a block, and the batch store */
    ldg_keypair validator;
    int validator_index; /* -1 if this node is not a validator */
    bool dev;
    _Atomic uint64_t time_offset_ms; /* dev mode only */
    net_clock clock;                 /* chain time's clock (net_clock.h) */
    _Atomic bool stopping;
    /* The evidence sync thread (net_evsync.c), if [evidence] asks for one: its state
     * (with the attest_as key, opened when the node opens) until the thread owns it. */
    struct evsync *evs;
    pthread_t evsync;
    bool evsync_started;
    /* Its counts, for /metrics: passes run, slices copied, refused (SLICE_MISMATCH), failed
     * (not reached, not yet anchored, attestation not committed), lines purged; the end of
     * the last pass (Unix ms). */
    _Atomic uint64_t ev_passes, ev_copied, ev_refused, ev_failed, ev_purged, ev_last_pass_ms;
    /* Roots the mirrors' indexes gave past the cursors, index pages read, and the slices
     * waiting to be retried after the last pass (evidence.md §2.4). */
    _Atomic uint64_t ev_listed, ev_pages, ev_pending;
    _Atomic uint64_t last_commit_ms; /* duration of the last propose..commit */
    _Atomic bool force_block;        /* produce a block even if the mempool is empty */
    char fatal[256];                 /* set when the node stopped on a fatal error */
    net_admit *admit; /* the one admission path: clients' submissions and peers' batches */
    /* Multi-validator driver (net_bft.c) status, for `folio node status`. */
    _Atomic bool multi;    /* net_bft drives the chain (a set of more than one, at some height) */
    _Atomic bool observer; /* following without voting (no consensus core) */
    _Atomic int32_t cons_self; /* index in the set of the height consensus is at, -1: none */
    _Atomic uint32_t cons_round;
    _Atomic uint32_t cons_seen;       /* validators heard from lately (self included) */
    _Atomic uint64_t cons_heard_mask; /* bit i: validator i among them */
    _Atomic int32_t cons_last_proposer;
    _Atomic uint64_t peer_height; /* highest height heard from the other nodes */
    _Atomic bool behind;
    _Atomic uint64_t pool_size; /* transactions waiting for a block */
    /* Decided blocks whose execution was done while they were voted on (speculation hit),
     * and those executed only once decided. */
    _Atomic uint64_t exec_ahead, exec_after;
    /* The last cycle_preview reply and the tip it was computed on (net_query.c): a preview
     * costs a whole cycle run, so it is computed at most once per committed block, one at a
     * time, however many clients ask. */
    pthread_mutex_t preview_mu;
    ldg_hash preview_tip;
    json_t *preview;
    struct net_http_server *http; /* the HTTP API (NULL when [http] listen is unset) */
    /* Everything below is this node's own: a process may host several nodes, one per
     * chain (net_host.c, specs/chains.md §9), and they share nothing of a chain's state. */
    struct net_rpc_server *rpc;
    struct bft *bft;             /* the multi-validator driver (net_bft.c), if multi */
    struct net_metrics *metrics; /* /metrics counters of this chain (net_metrics.h) */
    pthread_t driver;            /* net_solo_drive, then or only net_bft_run */
    bool driver_started;
    int lock_fd;       /* HOME/node.lock, held until the process ends, */
    bool release_lock; /* unless set: a hosted chain stopped alone (net_host.c) */
    bool solo_warned;  /* net_solo said that it cannot hand over to net_bft yet */
} net_node;

/* Builds the registry with every module's transaction types. */
ldg_registry *net_registry_new(void);

/* Runs the node of opts->home until it is stopped (SIGINT, SIGTERM or the "stop" RPC), and
 * with it every chain the home's [host] chains names (HOME/chains/NAME, each a node of its
 * own in this process; net_host.c). Returns 0 on a clean stop; on failure returns non-zero
 * with a sentence in err. */
int net_node_run(const net_node_opts *opts, char *err, size_t err_len);

/* One node's life, for a process hosting one or several (net_host.c): open takes the
 * home's lock and opens the store, admission, the RPC and HTTP servers and the consensus
 * driver, or fails with err (NULL); start runs its threads; stop asks them to end; close
 * joins and frees them, returning non-zero with the fatal sentence in err if the node
 * stopped on one. */
net_node *net_node_open(const net_node_opts *opts, char *err, size_t err_len);
void net_node_start(net_node *n);
void net_node_stop(net_node *n);
int net_node_close(net_node *n, char *err, size_t err_len);

/* Stops the node on an error it cannot go on from: the sentence (prefixed "consensus
 * stopped: ") goes to n->fatal and stderr, and every thread is told to stop. */
void net_node_fatal(net_node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Milliseconds since the Unix epoch (wall clock; only the proposer reads it). */
uint64_t net_now_ms(void);

/* Transactions an observer forwarded in a batch (net_bft.c): each admitted as if a client
 * had submitted it here (net_query.c); returns how many were refused. */
uint32_t net_admit_forwarded(net_node *n, const uint8_t *const *txs, const size_t *lens,
                             uint32_t count);

#endif
