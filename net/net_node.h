/* A folio node: the chain, the mempool, the client RPC server and the consensus driver.
 * For one validator the driver is net_solo (propose -> execute -> self-precommit ->
 * commit through the ledger's seam); a multi-validator protocol plugs into the same seam. */
#ifndef NET_NODE_H
#define NET_NODE_H

#include "ldg_chain.h"
#include "ldg_limits.h"
#include "net_clock.h"
#include "net_home.h"
#include "net_mempool.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct net_node_opts {
    const char *home;
    bool dev;      /* development mode: block time can be moved forward */
    int ready_fd;  /* if >= 0, one byte is written here once the RPC socket serves */
    bool observer; /* follow the chain without voting (multi-validator chains) */
} net_node_opts;

/* Registered senders seen on admission, with their keys already lifted to curve points:
 * a known sender's signature is checked without the square root of BIP-340 lift_x. */
typedef struct net_senders {
    pthread_rwlock_t lock;
    ldg_pubkey *slots; /* all-zero = empty */
    ldg_pubkey_point *points;
    size_t count;
    ldg_hash genesis; /* the chain's genesis hash: what its transactions sign */
} net_senders;

/* The caller sets genesis once the chain is open (ldg_chain_genesis_hash). */
void net_senders_init(net_senders *s);
void net_senders_free(net_senders *s);
/* True if pk is a known sender; *pt gets its lifted key. */
bool net_senders_lookup(net_senders *s, const ldg_pubkey *pk, ldg_pubkey_point *pt);
void net_senders_add(net_senders *s, const ldg_pubkey *pk, const ldg_pubkey_point *pt);
/* Checks tx's signature, through the cache when its sender is known. *known tells which. */
bool net_senders_verify(net_senders *s, const ldg_tx *tx, bool *known);

typedef struct net_node {
    char home[NET_PATH_MAX];
    net_config cfg;
    ldg_registry *reg;
    ldg_chain *chain;
    net_mempool *mempool;
    ldg_keypair validator;
    int validator_index; /* -1 if this node is not a validator */
    bool dev;
    _Atomic uint64_t time_offset_ms; /* dev mode only */
    net_clock clock;                 /* chain time's clock (net_clock.h) */
    _Atomic bool stopping;
    _Atomic uint64_t last_commit_ms; /* duration of the last propose..commit */
    _Atomic bool force_block;        /* produce a block even if the mempool is empty */
    char fatal[256];                 /* set when the node stopped on a fatal error */
    net_senders senders;
    /* Multi-validator driver (net_bft.c) status, for `folio node status`. */
    bool multi;    /* more than one validator: net_bft drives the chain */
    bool observer; /* following without voting */
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
} net_node;

/* Builds the registry with every module's transaction types. */
ldg_registry *net_registry_new(void);

/* Runs a node until it is stopped (SIGINT, SIGTERM or the "stop" RPC). Returns 0 on a
 * clean stop; on failure returns non-zero with a sentence in err. */
int net_node_run(const net_node_opts *opts, char *err, size_t err_len);

/* Milliseconds since the Unix epoch (wall clock; only the proposer reads it). */
uint64_t net_now_ms(void);

/* Transactions an observer forwarded in a batch (net_bft.c): each admitted as if a client
 * had submitted it here (net_query.c); returns how many were refused. */
uint32_t net_admit_forwarded(net_node *n, const uint8_t *const *txs, const size_t *lens,
                             uint32_t count);

/* The single-validator consensus driver (net_solo.c). Runs until n->stopping. */
void *net_solo_run(void *node);

/* The multi-validator driver (net_bft.c): sockets are opened by net_bft_start (so that a
 * bad address or TLS file fails the start), then net_bft_run runs until n->stopping. */
int net_bft_start(net_node *n, char *err, size_t err_len);
void *net_bft_run(void *node);
/* Whether a transaction waits in the multi-validator driver's pool (admitted, not yet in
 * a committed block). */
bool net_bft_pending(net_node *n, const ldg_hash *id);
/* Frees the driver once its thread and the RPC workers are joined. */
void net_bft_stop(net_node *n);

#endif
