#include "net_node.h"
#include "net_evsync.h"
#include "net_log.h"
#include "net_bft.h"
#include "net_block.h"
#include "net_file.h"
#include "net_snap.h"
#include "net_solo.h"
#include "ast_module.h"
#include "chn.h"
#include "gov_module.h"
#include "ldg_ev.h"
#include "ldg_valset.h"
#include "net_query_vm.h"
#include "net_http_server.h"
#include "net_metrics.h"
#include "net_rpc_server.h"
#include "stl_module.h"

#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t net_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void net_node_fatal(net_node *n, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(n->fatal, sizeof n->fatal, "consensus stopped: %s", msg);
    net_log(NET_LOG_ERROR, "*** %s ***", n->fatal);
    atomic_store(&n->stopping, true);
    net_pool_wake(n->pool);
}

ldg_registry *net_registry_new(void)
{
    ldg_registry *r = ldg_registry_new();
    ldg_exec_register_core(r);
    ast_module_register(r);
    stl_module_register(r);
    gov_module_register(r);
    net_vm_register(r);
    ldg_ev_register(r);
    chn_module_register(r);
    return r;
}

/* A key that a change of the validator set added (ldg_valset.h) votes like a genesis
 * validator; its index is found per height (net_bft.c). LDG_VALIDATORS_MAX marks it. */
static void find_added_validator(net_node *n)
{
    ldg_valset *v = malloc(LDG_VALSET_CHANGES_MAX * sizeof *v);
    LDG_ASSERT(v);
    ldg_state *st = ldg_chain_reader(n->chain);
    uint32_t count = 0;
    if (ldg_valset_changes(st, 0, v, LDG_VALSET_CHANGES_MAX, &count) != LDG_OK)
        count = 0;
    for (uint32_t i = 0; i < count && n->validator_index < 0; i++)
        for (uint32_t k = 0; k < v[i].count; k++)
            if (!memcmp(v[i].keys[k].b, n->validator.pub.b, LDG_PUBKEY_LEN)) {
                n->validator_index = LDG_VALIDATORS_MAX;
                net_log(NET_LOG_INFO, "a validator from height %llu (a change of the set)",
                        (unsigned long long)v[i].from);
                break;
            }
    ldg_state_free(st);
    free(v);
}

/* Whether net_bft drives the chain from the start (consensus.md §11): unless the next
 * block's set is this validator alone, or the node has no key in it and no [p2p] address
 * to follow with; an observer always. net_solo hands over once a change is recorded. */
static bool needs_bft(net_node *n, const net_node_opts *opts)
{
    ldg_pubkey *vals = malloc(LDG_VALIDATORS_MAX * sizeof *vals);
    LDG_ASSERT(vals);
    uint32_t nv = ldg_chain_validators(n->chain, vals, LDG_VALIDATORS_MAX);
    bool alone = nv == 1 && !memcmp(vals[0].b, n->validator.pub.b, LDG_PUBKEY_LEN);
    free(vals);
    return opts->observer || nv > 1 ||
           (!alone && (n->validator_index >= 0 || n->cfg.p2p_listen[0]));
}

static int setup(net_node *n, const net_node_opts *opts, char *err, size_t err_len)
{
    bool have_key;
    snprintf(n->home, sizeof n->home, "%s", opts->home);
    n->dev = opts->dev;
    if (net_config_load(n->home, &n->cfg, err, err_len) != LDG_OK)
        return 1;
    net_log_set_tag(n->cfg.chain_id); /* net_node_open restores the caller's */
    if (net_config_client_home(&n->cfg)) {
        snprintf(err, err_len,
                 "%s is a client home: it uses the node at %s and runs none (specs/home.md §5)",
                 n->home, n->cfg.rpc_url);
        return 1;
    }
    if (n->cfg.test_fault_equivocate_at && !n->dev) {
        snprintf(err, err_len,
                 "[test] fault_equivocate_at is a fault injection for tests: refused outside "
                 "development mode (--dev)");
        return 1;
    }
    ldg_genesis g;
    if (net_genesis_load(n->home, &g) != LDG_OK) {
        snprintf(err, err_len, "%s/genesis.bin is missing or corrupt", n->home);
        return 1;
    }
    n->validator_index = -1;
    have_key = net_key_load(n->home, n->cfg.validator_key, &n->validator) == LDG_OK;
    if (have_key)
        for (uint32_t i = 0; i < g.validator_count; i++)
            if (!memcmp(g.validators[i].b, n->validator.pub.b, LDG_PUBKEY_LEN))
                n->validator_index = (int)i;
    n->reg = net_registry_new();
    char db[NET_PATH_MAX];
    net_home_path(db, n->home, "data");
    /* A checkpoint's state first, if asked, begun earlier, or far behind the peers. */
    net_snap_opts so = {.home = n->home,
                        .cfg = &n->cfg,
                        .genesis = &g,
                        .reg = n->reg,
                        .requested = opts->sync_from_checkpoint};
    if (net_snap_run(&so, err, err_len) != 0)
        return 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ldg_open_report rep;
    ldg_err e = ldg_chain_open_report(&n->chain, db, n->reg, &g, false, &rep);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (e != LDG_OK) {
        net_store_open_error(err, err_len, db, e, &rep);
        return 1;
    }
    if (strcmp(ldg_chain_id(n->chain), g.chain_id) != 0) {
        snprintf(err, err_len, "the store holds chain %s but genesis.bin is for %s",
                 ldg_chain_id(n->chain), g.chain_id);
        return 1;
    }
    ldg_hash gh;
    ldg_genesis_hash(&gh, &g);
    if (memcmp(gh.b, ldg_chain_genesis_hash(n->chain)->b, LDG_HASH_LEN) != 0) {
        snprintf(err, err_len,
                 "the store holds another chain than genesis.bin describes "
                 "(same chain id, different genesis)");
        return 1;
    }
    net_log(NET_LOG_INFO, "chain store opened at height %llu in %lld ms",
            (unsigned long long)ldg_chain_tip(n->chain).height,
            (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
    if (have_key && n->validator_index < 0)
        find_added_validator(n);
    ldg_chain_set_verify_threads(n->chain, (unsigned)n->cfg.verify_threads);
    ldg_chain_set_retention(n->chain, (uint64_t)n->cfg.retain_blocks);
    n->pool = net_pool_new(LDG_MEMPOOL_TX_MAX);
    net_pool_follow_limits(n->pool, n->chain);
    n->admit = net_admit_new(n->chain, n->reg, &n->clock, &n->time_offset_ms);
    net_admit_set_pool(n->admit, net_pool_probe, n->pool);
    return 0;
}

/* HOME/node.pid is for people and scripts only: nothing trusts it (the lock on
 * HOME/node.lock is what says a node runs). Written without following a planted symlink. */
static void write_pid(const char *home)
{
    char path[NET_PATH_MAX], text[32], err[256];
    net_home_path(path, home, "node.pid");
    int len = snprintf(text, sizeof text, "%d\n", (int)getpid());
    if (net_file_write(path, text, (size_t)len, 0644, NET_FILE_REPLACE, err, sizeof err) != LDG_OK)
        net_log(NET_LOG_WARN, "%s", err);
}

/* The HTTP API on [http] listen, with TLS from [tls] cert and key (paths the config made
 * absolute) when [http] tls is on; [tls] ca then verifies participants' client
 * certificates (specs/http.md §5). */
static int start_http(net_node *n, char *err, size_t err_len)
{
    bool tls = n->cfg.http_tls;
    if (tls && (!n->cfg.tls_cert[0] || !n->cfg.tls_key[0])) {
        snprintf(err, err_len, "[http] tls is on but [tls] cert and key are not set");
        return 1;
    }
    int rc = net_http_server_start(&n->http, n, n->cfg.http_listen, tls ? n->cfg.tls_ca : NULL,
                                   tls ? n->cfg.tls_cert : NULL, tls ? n->cfg.tls_key : NULL, err,
                                   err_len);
    if (rc == 0)
        net_log(NET_LOG_INFO, "HTTP API on %s://%s", n->cfg.http_tls ? "https" : "http",
                n->cfg.http_listen);
    return rc;
}

net_node *net_node_open(const net_node_opts *opts, char *err, size_t err_len)
{
    /* Process-wide, and this process is the node (ldg_limits.h says why). */
    mallopt(M_MMAP_THRESHOLD, LDG_MALLOC_MMAP_MAX);
    mallopt(M_TRIM_THRESHOLD, LDG_MALLOC_TRIM_MAX);
    net_node *n = calloc(1, sizeof *n);
    LDG_ASSERT(n);
    char caller_tag[NET_LOG_TAG_MAX + 1];
    snprintf(caller_tag, sizeof caller_tag, "%s", net_log_tag());
    net_clock_init(&n->clock);
    LDG_ASSERT(pthread_mutex_init(&n->preview_mu, NULL) == 0);
    n->metrics = net_metrics_new();
    pid_t holder;
    /* The liveness lock stays held until this process ends (the kernel releases it then):
     * `folio node stop` waits for the lock, so it returns only once the process is gone,
     * not while it still tears down (sanitizer builds check for leaks at exit). */
    n->lock_fd = net_home_lock(opts->home, &holder, err, err_len);
    n->release_lock = opts->release_lock;
    int rc = n->lock_fd < 0 ? 1 : setup(n, opts, err, err_len);
    if (rc == 0 && !net_evsync_open(n, opts->ev_passphrase, err, err_len))
        rc = 1;
    if (rc == 0)
        net_admit_set_metrics(n->admit, n->metrics);
    if (rc == 0)
        rc = net_rpc_server_start(&n->rpc, n, n->cfg.rpc_url, err, err_len);
    if (rc == 0 && opts->http)
        snprintf(n->cfg.http_listen, sizeof n->cfg.http_listen, "%s", opts->http);
    if (rc == 0 && n->cfg.http_listen[0])
        rc = start_http(n, err, err_len);
    if (rc == 0) {
        n->observer = opts->observer;
        n->multi = needs_bft(n, opts);
        if (n->multi)
            rc = net_bft_start(n, err, err_len);
    }
    if (rc != 0) {
        char ignored[8];
        net_node_close(n, ignored, sizeof ignored);
        n = NULL;
    }
    net_log_set_tag(caller_tag);
    return n;
}

/* A one-validator chain whose set changes goes on under net_bft (consensus.md §1a): its
 * [p2p] and [tls] settings are read again from config.ini (they may be added while the node
 * runs), and its sockets opened. False (said once in the log) while config.ini has no
 * [p2p] listen address: net_solo then commits alone only up to the change. */
static bool to_bft(net_node *n)
{
    char err[512];
    net_config *fresh = malloc(sizeof *fresh);
    LDG_ASSERT(fresh);
    bool ok = net_config_load(n->home, fresh, err, sizeof err) == LDG_OK;
    if (!ok || !fresh->p2p_listen[0]) {
        if (!n->solo_warned)
            net_log(
                NET_LOG_WARN,
                "the validator set changes, but config.ini %s%s: this validator commits "
                "alone only up to the change",
                ok ? "has no [p2p] listen address and peers" : "is unreadable: ", ok ? "" : err);
        n->solo_warned = true;
        free(fresh);
        return false;
    }
    memcpy(n->cfg.p2p_listen, fresh->p2p_listen, sizeof n->cfg.p2p_listen);
    memcpy(n->cfg.p2p_peers, fresh->p2p_peers, sizeof n->cfg.p2p_peers);
    n->cfg.p2p_tls = fresh->p2p_tls;
    if (fresh->p2p_tls && !n->cfg.tls_cert[0]) {
        memcpy(n->cfg.tls_ca, fresh->tls_ca, sizeof n->cfg.tls_ca);
        memcpy(n->cfg.tls_cert, fresh->tls_cert, sizeof n->cfg.tls_cert);
        memcpy(n->cfg.tls_key, fresh->tls_key, sizeof n->cfg.tls_key);
    }
    free(fresh);
    if (net_bft_start(n, err, sizeof err) != 0) {
        net_node_fatal(n, "the validator set changes: %s", err);
        return false;
    }
    net_log(NET_LOG_INFO, "the validator set changes: the multi-validator driver takes over");
    n->multi = true;
    return true;
}

static void *drive(void *arg)
{
    net_node *n = arg;
    if (n->multi || net_solo_drive(n, to_bft))
        return net_bft_run(n);
    return NULL;
}

void net_node_start(net_node *n)
{
    /* Every thread started here (and those they start) carries this chain's tag. */
    char caller_tag[NET_LOG_TAG_MAX + 1];
    snprintf(caller_tag, sizeof caller_tag, "%s", net_log_tag());
    net_log_set_tag(n->cfg.chain_id);
    write_pid(n->home);
    LDG_ASSERT(net_thread_create(&n->driver, drive, n) == 0);
    n->driver_started = true;
    net_rpc_server_run(n->rpc, n->cfg.rpc_threads);
    if (!net_evsync_start(n))
        net_log(NET_LOG_WARN, "evidence sync: the thread could not start");
    if (n->http)
        net_http_server_run(n->http, n->cfg.rpc_threads);
    ldg_tip tip = ldg_chain_tip(n->chain);
    net_log(NET_LOG_INFO, "node serving %s on %s at height %llu%s", ldg_chain_id(n->chain),
            n->cfg.rpc_url, (unsigned long long)tip.height, n->dev ? " (dev mode)" : "");
    net_log_set_tag(caller_tag);
}

void net_node_stop(net_node *n)
{
    atomic_store(&n->stopping, true);
    if (n->pool)
        net_pool_wake(n->pool);
}

int net_node_close(net_node *n, char *err, size_t err_len)
{
    int rc = 0;
    char caller_tag[NET_LOG_TAG_MAX + 1];
    snprintf(caller_tag, sizeof caller_tag, "%s", net_log_tag());
    if (n->cfg.chain_id[0])
        net_log_set_tag(n->cfg.chain_id);
    net_node_stop(n);
    net_evsync_stop(n);
    net_http_server_stop(n->http);
    net_rpc_server_stop(n->rpc);
    if (n->driver_started)
        pthread_join(n->driver, NULL);
    if (n->multi)
        net_bft_stop(n);
    if (n->fatal[0]) {
        snprintf(err, err_len, "%s", n->fatal);
        rc = 1;
    }
    if (n->chain) {
        ldg_chain_close(n->chain);
        char path[NET_PATH_MAX];
        net_home_path(path, n->home, "node.pid");
        if (n->driver_started)
            unlink(path);
        if (rc == 0 && n->driver_started)
            net_log(NET_LOG_INFO, "node of %s stopped cleanly", n->cfg.chain_id);
    }
    net_pool_free(n->pool);
    ldg_registry_free(n->reg);
    net_admit_free(n->admit);
    net_clock_destroy(&n->clock);
    json_decref(n->preview);
    pthread_mutex_destroy(&n->preview_mu);
    net_metrics_free(n->metrics);
    explicit_bzero(&n->validator, sizeof n->validator);
    if (n->release_lock && n->lock_fd >= 0)
        close(n->lock_fd);
    free(n);
    net_log_set_tag(caller_tag);
    return rc;
}
