#include "net_links.h"
#include "net_log.h"
#include "net_home.h"
#include "net_snap.h"
#include "net_sync.h"

#include <nng/protocol/bus0/bus.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef net_inbox_item qitem; /* a received message (net_inbox.h) */

static void *cons_rx(void *arg)
{
    net_links *b = arg;
    while (!atomic_load(&b->n->stopping)) {
        qitem *it = net_inbox_recv(b->cons, NET_P2P_CONS_SIZE_MAX, "consensus");
        if (!it)
            continue;
        if (it->m.kind != NET_P2P_CONS) {
            net_p2p_log("dropped a message of kind %u on the consensus socket", it->m.kind);
            net_inbox_item_free(it);
            continue;
        }
        net_inbox_push(b->inbox, it);
    }
    return NULL;
}

static void *sync_server(void *arg)
{
    net_links *b = arg;
    ldg_enc e;
    ldg_enc_init(&e);
    while (!atomic_load(&b->n->stopping)) {
        nng_msg *raw;
        if (nng_recvmsg(b->rep, &raw, 0) != 0)
            continue;
        net_p2p_msg m;
        ldg_enc_reset(&e);
        if (net_snap_is_request(nng_msg_body(raw), nng_msg_len(raw))) {
            net_snap_serve(b->n->chain, nng_msg_body(raw), nng_msg_len(raw), &e);
        } else if (net_p2p_decode(&m, nng_msg_body(raw), nng_msg_len(raw),
                                  NET_P2P_SYNC_REQ_SIZE_MAX) == LDG_OK &&
                   m.kind == NET_P2P_BATCH_REQ) {
            net_pool_enc_batch_rep(b->n->pool, &m.digest, &e);
            net_p2p_msg_free(&m);
        } else if (!m.dec_live || m.kind != NET_P2P_SYNC_REQ) {
            if (m.dec_live)
                net_p2p_msg_free(&m);
            net_p2p_log("dropped a malformed block sync request");
            net_p2p_enc_sync_rep_head(&e, ldg_chain_tip(b->n->chain).height, 0);
        } else {
            net_sync_reply(b->n->chain, &m, &e);
            net_p2p_msg_free(&m);
        }
        nng_msg_clear(raw);
        nng_msg_append(raw, ldg_enc_data(&e), ldg_enc_len(&e));
        if (nng_sendmsg(b->rep, raw, 0) != 0)
            nng_msg_free(raw);
    }
    ldg_enc_free(&e);
    return NULL;
}

static void *sub_rx(void *arg)
{
    net_links *b = arg;
    while (!atomic_load(&b->n->stopping)) {
        qitem *it = net_inbox_recv(b->sub, NET_P2P_RECORD_SIZE_MAX + 64, "commit");
        if (!it)
            continue;
        if (it->m.kind != NET_P2P_COMMIT) {
            net_inbox_item_free(it);
            continue;
        }
        net_inbox_push(b->inbox, it);
    }
    return NULL;
}

/* The consensus bus: listened on, and dialed to the peers whose address is below ours (one
 * connection per pair: the node with the greater address dials). */
static int cons_open_links(net_links *b, char *err, size_t err_len)
{
    const net_config *c = &b->n->cfg;
    const char *me = c->p2p_listen;
    if (net_p2p_listen(b->cons, me, NET_P2P_PORT_CONS, &b->tls, err, err_len))
        return 1;
    char peers[sizeof c->p2p_peers];
    snprintf(peers, sizeof peers, "%s", c->p2p_peers);
    for (char *save, *p = strtok_r(peers, ", ", &save); p; p = strtok_r(NULL, ", ", &save))
        if (strcmp(me, p) > 0 && net_p2p_dial(b->cons, p, NET_P2P_PORT_CONS, &b->tls, err, err_len))
            return 1;
    return 0;
}

static int open_sockets(net_links *b, uint32_t nval, char *err, size_t err_len)
{
    net_node *n = b->n;
    const net_config *c = &n->cfg;
    int rv;
    if (!c->p2p_listen[0]) {
        snprintf(err, err_len,
                 "the genesis names %u validators but config.ini has no [p2p] listen address",
                 nval);
        return 1;
    }
    b->tls.on = c->p2p_tls;
    if (b->tls.on) {
        if (!c->tls_ca[0] || !c->tls_cert[0] || !c->tls_key[0]) {
            snprintf(err, err_len, "[p2p] tls is on but [tls] ca, cert and key are not all set");
            return 1;
        }
        snprintf(b->tls.ca, sizeof b->tls.ca, "%s", c->tls_ca);
        snprintf(b->tls.cert, sizeof b->tls.cert, "%s", c->tls_cert);
        snprintf(b->tls.key, sizeof b->tls.key, "%s", c->tls_key);
    }
    if ((rv = nng_bus0_open(&b->cons)) || (b->cons_open = true, rv = nng_bus0_open(&b->batch)) ||
        (b->batch_open = true, rv = nng_rep0_open(&b->rep)) ||
        (b->rep_open = true, rv = nng_pub0_open(&b->pub)) ||
        (b->pub_open = true, rv = nng_req0_open(&b->req)) ||
        (b->req_open = true, rv = nng_sub0_open(&b->sub))) {
        snprintf(err, err_len, "cannot open p2p sockets: %s", nng_strerror(rv));
        return 1;
    }
    b->sub_open = true;
    char revoked[NET_PATH_MAX];
    net_home_path(revoked, n->home, "tls/revoked");
    b->peers = net_p2p_peers_new(b->tls.on, revoked, n->chain);
    if ((rv = net_p2p_peers_watch(b->peers, b->cons, NET_P2P_ADMIT_VALIDATOR)) ||
        (rv = net_p2p_peers_watch(b->peers, b->batch, NET_P2P_ADMIT_MEMBER)) ||
        (rv = net_p2p_peers_watch(b->peers, b->rep, NET_P2P_ADMIT_MEMBER)) ||
        (rv = net_p2p_peers_watch(b->peers, b->pub, NET_P2P_ADMIT_MEMBER)) ||
        (rv = net_p2p_peers_watch(b->peers, b->req, NET_P2P_ADMIT_MEMBER)) ||
        (rv = net_p2p_peers_watch(b->peers, b->sub, NET_P2P_ADMIT_MEMBER))) {
        snprintf(err, err_len, "cannot watch p2p connections: %s", nng_strerror(rv));
        return 1;
    }
    nng_socket_set_size(b->cons, NNG_OPT_RECVMAXSZ, NET_P2P_CONS_SIZE_MAX);
    nng_socket_set_size(b->batch, NNG_OPT_RECVMAXSZ, NET_P2P_BATCH_SIZE_MAX + 64 * 1024);
    nng_socket_set_size(b->rep, NNG_OPT_RECVMAXSZ, NET_P2P_SYNC_REQ_SIZE_MAX);
    nng_socket_set_size(b->req, NNG_OPT_RECVMAXSZ, NET_P2P_SYNC_SIZE_MAX);
    nng_socket_set_size(b->sub, NNG_OPT_RECVMAXSZ, NET_P2P_RECORD_SIZE_MAX + 64);
    nng_socket_set_int(b->cons, NNG_OPT_SENDBUF, 1024);
    nng_socket_set_int(b->cons, NNG_OPT_RECVBUF, 1024);
    nng_socket_set_int(b->batch, NNG_OPT_SENDBUF, 256);
    nng_socket_set_int(b->batch, NNG_OPT_RECVBUF, 256);
    nng_socket s[] = {b->cons, b->batch, b->rep, b->sub};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        nng_socket_set_ms(s[i], NNG_OPT_RECVTIMEO, 200);
    nng_socket_set_ms(b->req, NNG_OPT_RECVTIMEO, 2000);
    nng_socket_set_ms(b->req, NNG_OPT_SENDTIMEO, 1000);
    nng_socket_set_ms(b->rep, NNG_OPT_SENDTIMEO, NET_BFT_REPLY_TIMEOUT_MS);
    nng_socket_set_ms(b->req, NNG_OPT_REQ_RESENDTIME, 1500);
    nng_socket_set(b->sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
    const char *me = c->p2p_listen;
    if (!b->observer && cons_open_links(b, err, err_len))
        return 1;
    if ((rv = net_p2p_listen(b->batch, me, NET_P2P_PORT_BATCH, &b->tls, err, err_len)) ||
        (rv = net_p2p_listen(b->rep, me, NET_P2P_PORT_SYNC, &b->tls, err, err_len)) ||
        (rv = net_p2p_listen(b->pub, me, NET_P2P_PORT_PUB, &b->tls, err, err_len)))
        return 1;
    char peers[sizeof c->p2p_peers];
    snprintf(peers, sizeof peers, "%s", c->p2p_peers);
    for (char *save, *p = strtok_r(peers, ", ", &save); p; p = strtok_r(NULL, ", ", &save)) {
        /* One connection per pair on the buses: the node with the greater address dials
         * (an observer dials everyone and listens only for its own followers). */
        bool dial_bus = b->observer || strcmp(me, p) > 0;
        if (dial_bus && net_p2p_dial(b->batch, p, NET_P2P_PORT_BATCH, &b->tls, err, err_len))
            return 1;
        if (net_p2p_dial(b->req, p, NET_P2P_PORT_SYNC, &b->tls, err, err_len) ||
            net_p2p_dial(b->sub, p, NET_P2P_PORT_PUB, &b->tls, err, err_len))
            return 1;
    }
    return 0;
}

typedef struct closer {
    net_links *b;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
} closer;

static void *close_sockets(void *arg)
{
    closer *c = arg;
    net_links *b = c->b;
    if (b->cons_open)
        nng_close(b->cons);
    if (b->batch_open)
        nng_close(b->batch);
    if (b->rep_open)
        nng_close(b->rep);
    if (b->pub_open)
        nng_close(b->pub);
    if (b->req_open)
        nng_close(b->req);
    if (b->sub_open)
        nng_close(b->sub);
    pthread_mutex_lock(&c->lock);
    c->done = true;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* Closes the sockets, waiting at most NET_BFT_CLOSE_DEADLINE_MS: nng_close can wait forever on a
 * TLS connection whose peer stopped reading (seen with nng 1.5.2 under load). Returns false if it
 * did not finish; the sockets are then left to the process's exit. */
static bool close_sockets_within(net_links *b)
{
    closer *c = calloc(1, sizeof *c); /* leaked if the closer never finishes */
    LDG_ASSERT(c);
    c->b = b;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    pthread_t t;
    if (net_thread_create(&t, close_sockets, c) != 0) {
        close_sockets(c);
    } else {
        pthread_detach(t);
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += NET_BFT_CLOSE_DEADLINE_MS / 1000;
    ts.tv_nsec += (long)(NET_BFT_CLOSE_DEADLINE_MS % 1000) * 1000000;
    ts.tv_sec += ts.tv_nsec / 1000000000;
    ts.tv_nsec %= 1000000000;
    pthread_mutex_lock(&c->lock);
    while (!c->done && pthread_cond_timedwait(&c->cond, &c->lock, &ts) == 0)
        ;
    bool done = c->done;
    pthread_mutex_unlock(&c->lock);
    if (!done) {
        net_log(NET_LOG_WARN, "p2p: sockets did not close within %d ms; left to the process exit",
                NET_BFT_CLOSE_DEADLINE_MS);
        return false;
    }
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    free(c);
    return true;
}

net_links *net_links_open(net_node *n, bool observer, uint32_t nval, char *err, size_t err_len)
{
    net_links *l = calloc(1, sizeof *l);
    LDG_ASSERT(l);
    l->n = n;
    l->observer = observer;
    if (open_sockets(l, nval, err, err_len) != 0) {
        net_links_close(l);
        return NULL;
    }
    return l;
}

void net_links_start(net_links *l, net_inbox *inbox)
{
    l->inbox = inbox;
    l->th_cons_on = !l->observer && net_thread_create(&l->th_cons, cons_rx, l) == 0;
    l->th_rep_on = net_thread_create(&l->th_rep, sync_server, l) == 0;
    l->th_sub_on = net_thread_create(&l->th_sub, sub_rx, l) == 0;
}

int net_links_promote(net_links *l, char *err, size_t err_len)
{
    if (!l->observer)
        return 0;
    if (cons_open_links(l, err, err_len))
        return 1;
    l->observer = false;
    l->th_cons_on = net_thread_create(&l->th_cons, cons_rx, l) == 0;
    if (!l->th_cons_on) {
        snprintf(err, err_len, "cannot start the consensus receiver");
        return 1;
    }
    return 0;
}

void net_links_join(net_links *l)
{
    /* Each ends by itself once the node is stopping: every socket it receives on has a
     * receive timeout, and every reply a send timeout. */
    if (l->th_cons_on)
        pthread_join(l->th_cons, NULL);
    if (l->th_rep_on)
        pthread_join(l->th_rep, NULL);
    if (l->th_sub_on)
        pthread_join(l->th_sub, NULL);
    l->th_cons_on = l->th_rep_on = l->th_sub_on = false;
}

bool net_links_close(net_links *l)
{
    if (!close_sockets_within(l))
        return false; /* l stays allocated: the closer may still use it */
    net_p2p_peers_free(l->peers);
    free(l);
    return true;
}
