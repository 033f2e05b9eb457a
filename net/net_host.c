/* One process, several chains (specs/chains.md §9, specs/home.md §7): the node of a home
 * and one more node per name in its [host] chains (HOME/chains/NAME), each a net_node of
 * its own (store, admission, pool, consensus driver, RPC and HTTP servers, lock); they
 * share nothing of a chain's state. When the home's chain is a main chain on which a
 * hosted chain is registered as a sub-chain, a relay thread submits that sub-chain's newest
 * checkpoint to the main chain's admission, as any relayer's, and the duplicate-vote evidence
 * its consensus saw: the main chain verifies both (specs/chains.md §5.2, §5.3); this
 * process is trusted with nothing. */
#include "chn.h"
#include "ldg_tx.h"
#include "net_bft.h"
#include "net_log.h"
#include "net_node.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
}

typedef struct host {
    net_node *nodes[1 + NET_HOST_CHAINS_MAX]; /* [0]: the home's own chain */
    size_t count;
    ldg_keypair relay_key; /* the main home's [host] relay_key */
    bool relay_on;
    uint64_t relayed[1 + NET_HOST_CHAINS_MAX]; /* height last submitted per hosted chain */
    uint64_t relayed_ms[1 + NET_HOST_CHAINS_MAX];
    pthread_t relay;
    bool relay_started;
    _Atomic bool stop;
    /* nodes[i] is closed and NULL once hosted chain i was stopped alone; the relay reads
     * nodes[] under this lock. */
    pthread_mutex_t mu;
} host;

/* The sub-chain id registered on the main chain's committed state for genesis gh; false if
 * none (or not yet). */
static bool registered_id(ldg_state *st, const ldg_hash *gh, char id[CHN_ID_LEN_MAX + 1])
{
    uint8_t k[2 + LDG_HASH_LEN] = {CHN_KEY_NS, CHN_KEY_GENESIS};
    memcpy(k + 2, gh->b, LDG_HASH_LEN);
    const uint8_t *v;
    size_t vl;
    bool found;
    if (ldg_state_get(st, k, sizeof k, &v, &vl, &found) != LDG_OK || !found)
        return false;
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return false;
    bool ok = d.root->type == MSGPACK_OBJECT_STR && d.root->via.str.size >= 1 &&
              d.root->via.str.size <= CHN_ID_LEN_MAX;
    if (ok) {
        memcpy(id, d.root->via.str.ptr, d.root->via.str.size);
        id[d.root->via.str.size] = '\0';
    }
    ldg_dec_free(&d);
    return ok;
}

/* Submits a chains transaction (payload p) signed by the relay key to main's admission and
 * pool, as a client's submission. What names it for the log. */
static void submit(host *hs, net_node *main, uint16_t type, const ldg_enc *p, const char *what)
{
    uint64_t now = net_clock_now_ms(&main->clock) + atomic_load(&main->time_offset_ms);
    size_t len;
    ldg_hash txid;
    uint8_t *wire = ldg_tx_build(
        &len, &txid, ldg_chain_id(main->chain), ldg_chain_genesis_hash(main->chain), type,
        &hs->relay_key, now + NET_HOST_RELAY_EXPIRY_MS, ldg_enc_data(p), ldg_enc_len(p), false);
    if (!wire)
        return;
    net_admitted ad;
    ldg_result res = net_admit_tx(main->admit, NULL, wire, len, NET_ADMIT_CLIENT, &ad);
    if (res == LDG_R_OK)
        res = net_pool_add(main->pool, &ad.ref.id, wire, len, ad.expiry_ms, main->multi);
    free(wire);
    if (res != LDG_R_OK)
        net_log(NET_LOG_WARN, "relay: %s refused by admission: %s", what, ldg_result_name(res));
    else
        net_log(NET_LOG_INFO, "relay: submitted %s", what);
}

/* Submits sub's block h as a checkpoint of `id` to main's admission and pool. */
static void relay_one(host *hs, net_node *main, net_node *sub, const char *id, uint64_t h)
{
    ldg_record r;
    if (ldg_chain_read_block(sub->chain, h, &r) != LDG_OK)
        return;
    ldg_enc hdr, pay;
    ldg_enc_init(&hdr);
    ldg_enc_init(&pay);
    ldg_header_encode(&hdr, &r.header);
    chn_checkpoint_tx_encode(&pay, id, ldg_enc_data(&hdr), ldg_enc_len(&hdr), &r.cert);
    ldg_record_free(&r);
    char what[160];
    snprintf(what, sizeof what, "block %llu of %s as a checkpoint of '%s'", (unsigned long long)h,
             ldg_chain_id(sub->chain), id);
    submit(hs, main, CHN_TX_CHECKPOINT, &pay, what);
    ldg_enc_free(&hdr);
    ldg_enc_free(&pay);
}

static chn_vote vote_of(const net_cons_msg *m)
{
    chn_vote v = {
        .height = m->height, .round = m->round, .type = m->type, .has_block = m->has_block};
    memcpy(v.block.b, m->block.b, LDG_HASH_LEN);
    memcpy(v.sig.b, m->sig, LDG_SIG_LEN);
    return v;
}

/* Submits the duplicate-vote evidence hosted chain `sub`'s consensus saw (net_bft.c keeps
 * it) as chain.evidence of `id` (specs/chains.md §5.3). The main chain judges it: a copy
 * another member submitted first is refused CHN_EV_KNOWN, harmless. */
static void relay_evidence(host *hs, net_node *main, net_node *sub, const char *id)
{
    net_bft_evidence ev;
    while (net_bft_evidence_take(sub, &ev)) {
        chn_evidence_tx tx = {.a = vote_of(&ev.a), .b = vote_of(&ev.b)};
        snprintf(tx.id, sizeof tx.id, "%s", id);
        memcpy(tx.key.b, ev.key, LDG_PUBKEY_LEN);
        ldg_enc pay;
        ldg_enc_init(&pay);
        chn_evidence_tx_encode(&pay, &tx);
        char what[160];
        snprintf(what, sizeof what,
                 "evidence that validator %u of %s signed two blocks at height %llu as "
                 "chain.evidence of '%s'",
                 ev.a.validator, ldg_chain_id(sub->chain), (unsigned long long)ev.a.height, id);
        submit(hs, main, CHN_TX_EVIDENCE, &pay, what);
        ldg_enc_free(&pay);
    }
}

/* Whether hosted chain i's newest block is due on the main chain: its sub-chain is
 * registered, takes checkpoints, and has none at that height yet; half its period has
 * passed since the last anchoring (or it is STALE), plus a delay by the validator index of
 * this process on that chain, so that the members of a consortium do not all relay the
 * same checkpoint (a second copy is refused CHN_DUPLICATE, harmless but wasted). */
static void relay_check(host *hs, size_t i, uint64_t now)
{
    net_node *main = hs->nodes[0], *sub = hs->nodes[i];
    uint64_t tip = ldg_chain_tip(sub->chain).height;
    ldg_state *st = ldg_chain_reader(main->chain);
    char id[CHN_ID_LEN_MAX + 1];
    chn_record rec;
    bool found = false;
    bool ok = registered_id(st, ldg_chain_genesis_hash(sub->chain), id) &&
              chn_record_get(st, id, &rec, &found) == LDG_OK && found;
    ldg_state_free(st);
    if (ok && hs->relay_on && rec.status != CHN_RETIRED)
        relay_evidence(hs, main, sub, id);
    if (!ok || !hs->relay_on || (rec.status != CHN_ACTIVE && rec.status != CHN_STALE))
        return;
    uint64_t idx = sub->validator_index > 0 ? (uint64_t)sub->validator_index : 0;
    uint64_t wait = rec.status == CHN_STALE ? 0 : rec.period_ms / 2;
    wait += idx * (rec.period_ms / 10);
    if (now < rec.anchored_ms + wait)
        return;
    if (tip == 0 || rec.last_height >= tip) {
        /* Nothing new to anchor: an idle sub-chain would turn STALE though healthy, so it is
         * asked for a block (an empty one if nothing waits), which the next look relays. */
        atomic_store(&sub->force_block, true);
        net_pool_wake(sub->pool);
        return;
    }
    /* One submission per height while it may still be pending. */
    if (hs->relayed[i] >= tip && now < hs->relayed_ms[i] + rec.period_ms)
        return;
    relay_one(hs, main, sub, id, tip);
    hs->relayed[i] = tip;
    hs->relayed_ms[i] = now;
}

static void *relay_run(void *arg)
{
    host *hs = arg;
    while (!atomic_load(&hs->stop)) {
        net_node *main = hs->nodes[0];
        uint64_t now = net_clock_now_ms(&main->clock) + atomic_load(&main->time_offset_ms);
        pthread_mutex_lock(&hs->mu);
        for (size_t i = 1; i < hs->count; i++)
            if (hs->nodes[i]) {
                relay_check(hs, i, now);
            }
        pthread_mutex_unlock(&hs->mu);
        usleep(NET_HOST_RELAY_POLL_MS * 1000);
    }
    return NULL;
}

/* The options of hosted chain `name`: HOME/chains/NAME, the same mode, no HTTP override. */
static bool hosted_opts(net_node_opts *o, char *home, const net_node_opts *main, const char *name,
                        char *err, size_t err_len)
{
    int w = snprintf(home, NET_PATH_MAX, "%s/chains/%s", main->home, name);
    if (w < 0 || w >= NET_PATH_MAX) {
        snprintf(err, err_len, "the path of hosted chain %.64s is too long", name);
        return false;
    }
    *o = (net_node_opts){.home = home, .dev = main->dev, .ready_fd = -1};
    return true;
}

/* Opens every chain of the home; on failure closes those opened. */
static int open_all(host *hs, const net_node_opts *opts, char *err, size_t err_len)
{
    hs->nodes[0] = net_node_open(opts, err, err_len);
    if (!hs->nodes[0])
        return 1;
    hs->count = 1;
    char names[NET_HOST_CHAINS_MAX][NET_KEY_NAME_MAX + 1];
    size_t n = net_config_host_chains(&hs->nodes[0]->cfg, names, NET_HOST_CHAINS_MAX);
    for (size_t i = 0; i < n; i++) {
        char home[NET_PATH_MAX], why[512];
        net_node_opts o;
        net_node *h = NULL;
        if (hosted_opts(&o, home, opts, names[i], why, sizeof why))
            h = net_node_open(&o, why, sizeof why);
        if (!h) {
            snprintf(err, err_len, "hosted chain %s: %.400s", names[i], why);
            return 1;
        }
        hs->nodes[hs->count++] = h;
    }
    if (n > 0) {
        hs->relay_on =
            net_key_load(opts->home, hs->nodes[0]->cfg.host_relay_key, &hs->relay_key) == LDG_OK;
        if (!hs->relay_on)
            net_log(NET_LOG_WARN, "relay off: no clear key %s in %s/keys",
                    hs->nodes[0]->cfg.host_relay_key, opts->home);
    }
    return 0;
}

/* `folio node stop --home HOME/chains/NAME` leaves HOME/chains/NAME/node.stop: the home
 * is private to the node's user (specs/home.md), so the file says the operator asked, as
 * the ipc socket's peer credentials do (a hosted chain's RPC may be tcp only). */
static bool stop_asked(net_node *n)
{
    char path[NET_PATH_MAX];
    net_home_path(path, n->home, "node.stop");
    return unlink(path) == 0;
}

/* Whether the process must stop: its home's chain stopped (the stop RPC or a fatal error),
 * or a hosted chain stopped on a fatal error. A hosted chain stopped cleanly (the stop RPC
 * on its own socket, `folio node stop --home HOME/chains/NAME`) is closed alone, its lock
 * released, and the others go on. */
static bool must_stop(host *hs)
{
    if (atomic_load(&hs->nodes[0]->stopping))
        return true;
    for (size_t i = 1; i < hs->count; i++) {
        net_node *n = hs->nodes[i];
        if (n && stop_asked(n))
            net_node_stop(n);
        if (!n || !atomic_load(&n->stopping))
            continue;
        if (n->fatal[0])
            return true;
        pthread_mutex_lock(&hs->mu);
        hs->nodes[i] = NULL;
        pthread_mutex_unlock(&hs->mu);
        char chain[LDG_CHAIN_ID_LEN_MAX + 1], why[256];
        snprintf(chain, sizeof chain, "%s", n->cfg.chain_id);
        n->release_lock = true;
        net_node_close(n, why, sizeof why);
        net_log(NET_LOG_INFO, "hosted chain %s stopped alone; the others go on", chain);
    }
    return false;
}

int net_node_run(const net_node_opts *opts, char *err, size_t err_len)
{
    host *hs = calloc(1, sizeof *hs);
    LDG_ASSERT(hs);
    LDG_ASSERT(pthread_mutex_init(&hs->mu, NULL) == 0);
    int rc = open_all(hs, opts, err, err_len);
    if (rc == 0) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGPIPE, SIG_IGN);
        for (size_t i = 0; i < hs->count; i++)
            net_node_start(hs->nodes[i]);
        if (hs->count > 1) {
            LDG_ASSERT(pthread_create(&hs->relay, NULL, relay_run, hs) == 0);
            hs->relay_started = true;
        }
        if (hs->count > 1)
            net_log(NET_LOG_INFO, "hosting %zu chains in this process", hs->count);
        if (opts->ready_fd >= 0) {
            char ok = 1;
            if (write(opts->ready_fd, &ok, 1) != 1)
                net_log(NET_LOG_WARN, "could not signal readiness");
            close(opts->ready_fd);
        }
        /* One chain stopping (the stop RPC, a fatal error) stops the process: its chains
         * live and die together, as `folio node stop` on the home expects. */
        while (!got_signal && !must_stop(hs))
            usleep(50 * 1000);
    }
    atomic_store(&hs->stop, true);
    if (hs->relay_started)
        pthread_join(hs->relay, NULL);
    for (size_t i = 0; i < hs->count; i++)
        if (hs->nodes[i])
            net_node_stop(hs->nodes[i]);
    for (size_t i = hs->count; i-- > 0;) {
        if (!hs->nodes[i])
            continue;
        char why[256];
        int crc = net_node_close(hs->nodes[i], why, sizeof why);
        if (crc != 0 && rc == 0) {
            snprintf(err, err_len, "%s", why);
            rc = crc;
        }
    }
    if (rc == 0)
        net_log(NET_LOG_INFO, "node stopped cleanly");
    explicit_bzero(&hs->relay_key, sizeof hs->relay_key);
    pthread_mutex_destroy(&hs->mu);
    free(hs);
    return rc;
}
