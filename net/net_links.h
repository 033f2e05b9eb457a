/* A node's p2p links (multi-validator driver): the four sockets of specs/consensus.md
 * §11 (consensus bus, batch bus, block sync rep/req, commit pub/sub), opened, listened on
 * and dialed from `[p2p]` in config.ini, with the identity of each connection (its
 * certificate, net_p2p.h); and the receivers that need nothing of the driver: the
 * consensus and commit receivers, which queue what they decode in the driver's inbox, and
 * the block sync server, which answers from the chain and the batch store. The batch bus
 * is received by net_batch_rx.h. */
#ifndef NET_LINKS_H
#define NET_LINKS_H

#include "net_inbox.h"
#include "net_node.h"
#include "net_p2p.h"

#include <nng/nng.h>
#include <pthread.h>

/* A block-sync reply that cannot be sent within this long is dropped (the peer retries). */
#define NET_BFT_REPLY_TIMEOUT_MS 2000
/* On stop, the p2p sockets are given this long to close; after it they are left to the
 * process exit (nng_close can wait forever on a TLS peer that stopped reading). */
#define NET_BFT_CLOSE_DEADLINE_MS 5000

typedef struct net_links {
    /* Read by the driver: sends go on cons, batch (broadcasts) and pub (net_exec), requests
     * on req (one thread at a time: the consensus thread). */
    nng_socket cons, batch, rep, pub, req, sub;
    net_p2p_peers *peers; /* the identity of each connection (its certificate) */
    net_p2p_tls tls;
    /* private */
    net_node *n;
    net_inbox *inbox;
    bool observer;
    bool cons_open, batch_open, rep_open, pub_open, req_open, sub_open;
    pthread_t th_cons, th_rep, th_sub;
    bool th_cons_on, th_rep_on, th_sub_on;
} net_links;

/* Opens the sockets (an observer does not listen on the consensus bus nor dial it),
 * listens and dials. nval: the genesis's validators (for the error). NULL with a sentence
 * in err if an address or a TLS file is unusable (what was opened is closed). */
net_links *net_links_open(net_node *n, bool observer, uint32_t nval, char *err, size_t err_len);
/* Starts the receivers (the consensus one only on a validator); they run until
 * n->stopping and push into inbox. */
void net_links_start(net_links *l, net_inbox *inbox);
/* An observer's links become a validator's (a change of the validator set names this node,
 * consensus.md §1a): the consensus bus is listened on and dialed, and its receiver started.
 * Consensus thread only. Non-zero with a sentence in err if the bus cannot be opened. */
int net_links_promote(net_links *l, char *err, size_t err_len);
/* Joins the receivers (the node is stopping). */
void net_links_join(net_links *l);
/* Closes the sockets and frees l, waiting at most NET_BFT_CLOSE_DEADLINE_MS: false if they
 * did not close by then (l is then left to the process exit). */
bool net_links_close(net_links *l);

#endif
