#include "net_testnet.h"
#include "ldg_exec.h"
#include "net_consensus.h"
#include "net_file.h"
#include "net_home.h"
#include "net_tls.h"
#include "chn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Through net_file_write: a planted file or symlink is never written through. */
static ldg_err put_file(const char *path, const void *data, size_t len, int mode)
{
    char err[NET_PATH_MAX + 128];
    return net_file_write(path, data, len, mode, NET_FILE_REPLACE, err, sizeof err);
}

static ldg_err copy_file(const char *from, const char *to)
{
    FILE *f = fopen(from, "rb");
    if (!f)
        return LDG_ERR_IO;
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return put_file(to, buf, n, 0644);
}

/* out = dir/rel; false, with err saying so, when that is longer than NET_PATH_MAX - 1. */
static bool join(char out[NET_PATH_MAX], const char *dir, const char *rel, char *err,
                 size_t err_len)
{
    int w = snprintf(out, NET_PATH_MAX, "%s/%s", dir, rel);
    if (w >= 0 && (size_t)w < NET_PATH_MAX)
        return true;
    snprintf(err, err_len, "the path %.64s.../%s is longer than %d bytes", dir, rel,
             NET_PATH_MAX - 1);
    return false;
}

/* One chain of a testnet: its homes (node i at homes[i]), its ports (node i listens on
 * port0 + 10 i .. + 3, RPC on + 9), and for the main chain of a consortium the genesis
 * participants beyond node0's operator and the validators, and each home's [host] text. */
typedef struct tn_chain {
    const char *chain_id; /* NULL: testnet-<random> */
    uint32_t validators, observers;
    uint32_t spares; /* validator homes not in genesis, after the observers */
    char (*homes)[NET_PATH_MAX];
    int port0;
    const char *host_cfg;       /* appended to every home's config.ini, or NULL */
    bool operators_participate; /* every node's operator a genesis participant (operator-I) */
    const ldg_genesis_participant *extra; /* more genesis participants */
    uint32_t extra_count;
    char chain_id_out[LDG_CHAIN_ID_LEN_MAX + 1];
    ldg_hash genesis_hash_out;
    ldg_pubkey vals_out[NET_CONS_VALIDATORS_MAX];
} tn_chain;

static ldg_err init_chain(const net_testnet_opts *o, tn_chain *c, const char *ca_crt,
                          const char *ca_key, char *err, size_t err_len)
{
    uint32_t total = c->validators + c->observers + c->spares;
    char path[NET_PATH_MAX], path2[NET_PATH_MAX];
    ldg_err e = LDG_OK;
    ldg_genesis *g = calloc(1, sizeof *g);
    LDG_ASSERT(g);
    if (c->chain_id) {
        snprintf(g->chain_id, sizeof g->chain_id, "%s", c->chain_id);
    } else {
        /* A fresh id per testnet (64 random bits), so that two testnets never share one. */
        uint8_t r[8];
        char hex[17];
        if (ldg_random(r, sizeof r) != LDG_OK) {
            snprintf(err, err_len, "no randomness for the chain id");
            free(g);
            return LDG_ERR_IO;
        }
        ldg_hex_encode(hex, r, sizeof r);
        snprintf(g->chain_id, sizeof g->chain_id, "testnet-%s", hex);
    }
    snprintf(c->chain_id_out, sizeof c->chain_id_out, "%s", g->chain_id);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    g->time_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    g->validator_count = c->validators;
    for (uint32_t i = 0; i < total && e == LDG_OK; i++) {
        const char *home = c->homes[i];
        if (mkdir(home, 0700) != 0 && errno != EEXIST) {
            snprintf(err, err_len, "cannot create %s: %s", home, strerror(errno));
            e = LDG_ERR_IO;
            break;
        }
        ldg_keypair kp;
        /* The certificate names the node: a validator by its validator key, an observer by
         * its node name (specs/consortium.md). */
        char cn[NET_TLS_NAME_MAX + 1];
        snprintf(cn, sizeof cn, "node%u", i);
        if ((e = net_key_create(home, "operator", &kp)) != LDG_OK) {
            snprintf(err, err_len, "cannot create %s/keys/operator.key", home);
            break;
        }
        if (i == 0) {
            ldg_genesis_participant *p = &g->participants[g->participant_count++];
            snprintf(p->name, sizeof p->name, "operator");
            p->roles = LDG_ROLE_REGISTRAR;
            p->key = kp.pub;
            for (uint32_t x = 0; x < c->extra_count; x++)
                g->participants[g->participant_count++] = c->extra[x];
        } else if (c->operators_participate) {
            ldg_genesis_participant *p = &g->participants[g->participant_count++];
            snprintf(p->name, sizeof p->name, "operator-%u", i);
            p->key = kp.pub;
        }
        bool val_home = i < c->validators || i >= c->validators + c->observers;
        if (val_home && i >= c->validators) { /* a spare: a validator key, not in genesis */
            if ((e = net_key_create(home, "validator", &kp)) != LDG_OK) {
                snprintf(err, err_len, "cannot create %s/keys/validator.key", home);
                break;
            }
            ldg_hex_encode(cn, kp.pub.b, LDG_PUBKEY_LEN);
        } else if (i < c->validators) {
            if ((e = net_key_create(home, "validator", &kp)) != LDG_OK) {
                snprintf(err, err_len, "cannot create %s/keys/validator.key", home);
                break;
            }
            g->validators[i] = kp.pub;
            ldg_hex_encode(cn, kp.pub.b, LDG_PUBKEY_LEN);
            ldg_genesis_participant *p = &g->participants[g->participant_count++];
            snprintf(p->name, sizeof p->name, "validator-%u", i);
            p->roles = LDG_ROLE_VALIDATOR;
            p->key = kp.pub;
            /* The governance committee: one member per validating node, weight 1
             * (specs/governance.md §2); each signs with its home's validator key. */
            if (g->committee_count < LDG_COMMITTEE_MEMBERS_MAX) {
                ldg_genesis_member *m = &g->committee[g->committee_count++];
                snprintf(m->name, sizeof m->name, "validator-%u", i);
                m->weight = 1;
            }
        }
        explicit_bzero(&kp, sizeof kp);
        if (o->tls) {
            if (!join(path, home, "tls/node.crt", err, err_len) ||
                !join(path2, home, "tls/node.key", err, err_len)) {
                e = LDG_ERR_INVALID;
                break;
            }
            char tls_dir[NET_PATH_MAX];
            net_home_path(tls_dir, home, "tls"); /* shorter than path, which fits */
            mkdir(tls_dir, 0700);
            const char *role = val_home ? NET_TLS_ROLE_VALIDATOR : NET_TLS_ROLE_OBSERVER;
            if ((e = net_tls_make_cert(ca_crt, ca_key, path, path2, role, cn, "127.0.0.1", err,
                                       err_len)) != LDG_OK)
                break;
            net_home_path(path, home, "tls/ca.crt"); /* shorter than tls/node.crt */
            if ((e = copy_file(ca_crt, path)) != LDG_OK) {
                snprintf(err, err_len, "cannot write %s", path);
                break;
            }
        }
    }
    if (e == LDG_OK) {
        ldg_enc enc;
        ldg_enc_init(&enc);
        ldg_genesis_encode(&enc, g);
        ldg_genesis_hash_bytes(&c->genesis_hash_out, ldg_enc_data(&enc), ldg_enc_len(&enc));
        memcpy(c->vals_out, g->validators, c->validators * sizeof g->validators[0]);
        for (uint32_t i = 0; i < total && e == LDG_OK; i++) {
            net_home_path(path, c->homes[i], "genesis.bin");
            e = put_file(path, ldg_enc_data(&enc), ldg_enc_len(&enc), 0644);
            char peers[2048] = "";
            for (uint32_t j = 0; j < total; j++) {
                if (j == i || (j >= c->validators && j < c->validators + c->observers))
                    continue;
                size_t l = strlen(peers);
                snprintf(peers + l, sizeof peers - l, "%s127.0.0.1:%d", l ? "," : "",
                         c->port0 + 10 * (int)j);
            }
            char cfg[4096 + NET_HOST_CHAINS_TEXT_MAX];
            int n = snprintf(
                cfg, sizeof cfg,
                "# folio testnet node %u of %u validators%s\n[node]\nchain_id = %s\n"
                "rpc = tcp://127.0.0.1:%d\nvalidator_key = %s\nrpc_threads = 4\n\n"
                "[p2p]\n# HOST:PORT base: +0 consensus, +1 batches, +2 block sync, +3 commits\n"
                "listen = 127.0.0.1:%d\npeers = %s\ntls = %s\n\n"
                "[tls]\nca = tls/ca.crt\ncert = tls/node.crt\nkey = tls/node.key\n\n"
                "[consensus]\npropose_timeout_ms = 700\nvote_timeout_ms = 300\n%s",
                i, c->validators,
                i < c->validators                  ? ""
                : i < c->validators + c->observers ? " (observer)"
                                                   : " (spare validator, not in genesis)",
                g->chain_id, c->port0 + 10 * (int)i + 9,
                i < c->validators || i >= c->validators + c->observers ? "validator" : "operator",
                c->port0 + 10 * (int)i, peers, o->tls ? "on" : "off",
                c->host_cfg ? c->host_cfg : "");
            LDG_ASSERT(n > 0 && (size_t)n < sizeof cfg);
            net_home_path(path, c->homes[i], "config.ini");
            if (e == LDG_OK)
                e = put_file(path, cfg, (size_t)n, 0644);
            if (e != LDG_OK)
                snprintf(err, err_len, "cannot write %s", path);
        }
        ldg_enc_free(&enc);
    }
    free(g);
    return e;
}

/* The checks and the CA common to both forms; ca_crt/ca_key are DIR/ca/ca.{crt,key}. */
static ldg_err prepare(const net_testnet_opts *o, uint32_t homes, char *ca_crt, char *ca_key,
                       char *err, size_t err_len)
{
    if (o->base_port < 1024 || o->base_port + 10 * (int)homes > 65000) {
        snprintf(err, err_len, "--base-port must leave room for 10 ports per node below 65000");
        return LDG_ERR_INVALID;
    }
    if (mkdir(o->dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "cannot create %s: %s", o->dir, strerror(errno));
        return LDG_ERR_IO;
    }
    char path[NET_PATH_MAX];
    snprintf(path, sizeof path, "%s/node0/config.ini", o->dir);
    if (access(path, F_OK) == 0) {
        snprintf(err, err_len, "%s already holds a testnet", o->dir);
        return LDG_ERR_EXISTS;
    }
    snprintf(path, sizeof path, "%s/ca", o->dir);
    mkdir(path, 0700);
    snprintf(ca_crt, NET_PATH_MAX, "%s/ca/ca.crt", o->dir);
    snprintf(ca_key, NET_PATH_MAX, "%s/ca/ca.key", o->dir);
    if (o->tls)
        return net_tls_make_ca(ca_crt, ca_key, "folio consortium CA", err, err_len);
    return LDG_OK;
}

ldg_err net_testnet_init(const net_testnet_opts *o, char *err, size_t err_len)
{
    uint32_t total = o->validators + o->observers + o->spares;
    if (o->validators < 2 || o->validators > NET_CONS_VALIDATORS_MAX || total > 100) {
        snprintf(err, err_len, "--validators must be 2..%d", NET_CONS_VALIDATORS_MAX);
        return LDG_ERR_INVALID;
    }
    if (o->sub_count > 0)
        return net_testnet_consortium_init(o, err, err_len);
    char ca_crt[NET_PATH_MAX], ca_key[NET_PATH_MAX];
    ldg_err e = prepare(o, total, ca_crt, ca_key, err, err_len);
    if (e != LDG_OK)
        return e;
    char(*homes)[NET_PATH_MAX] = calloc(total, NET_PATH_MAX);
    LDG_ASSERT(homes);
    for (uint32_t i = 0; i < total && e == LDG_OK; i++) {
        char name[16];
        snprintf(name, sizeof name, "node%u", i);
        if (!join(homes[i], o->dir, name, err, err_len))
            e = LDG_ERR_INVALID;
    }
    tn_chain c = {.chain_id = o->chain_id,
                  .validators = o->validators,
                  .observers = o->observers,
                  .spares = o->spares,
                  .homes = homes,
                  .port0 = o->base_port};
    if (e == LDG_OK)
        e = init_chain(o, &c, ca_crt, ca_key, err, err_len);
    free(homes);
    return e;
}

/* A consortium (specs/chains.md §9): o->validators members, DIR/nodeI each; the main chain
 * in DIR/nodeI itself and sub-chain S in DIR/nodeI/chains/S for the members below its
 * validator count; ports: chain c (0 = main, then the subs in order) of node i listens on
 * base + 10 (c M + i). Every member's operator is a participant of the main chain (the
 * relayer's account) and each sub-chain has an account there (key subchain-S in node0).
 * DIR/consortium.ini names the chains, their ids and homes, for scripts. */
ldg_err net_testnet_consortium_init(const net_testnet_opts *o, char *err, size_t err_len)
{
    uint32_t m = o->validators;
    if (o->observers) {
        snprintf(err, err_len, "a consortium (--sub) has no observers");
        return LDG_ERR_INVALID;
    }
    if (o->sub_count > NET_HOST_CHAINS_MAX) {
        snprintf(err, err_len, "at most %d sub-chains (--sub)", NET_HOST_CHAINS_MAX);
        return LDG_ERR_INVALID;
    }
    for (uint32_t s = 0; s < o->sub_count; s++) {
        if (o->subs[s].validators < 1 || o->subs[s].validators > m) {
            snprintf(err, err_len, "sub-chain %s: 1 to %u validators (one per member at most)",
                     o->subs[s].name, m);
            return LDG_ERR_INVALID;
        }
        if (!chn_id_valid(o->subs[s].name)) {
            snprintf(err, err_len, "sub-chain name '%s': 1..%d of a-z, 0-9 and '-'",
                     o->subs[s].name, CHN_ID_LEN_MAX);
            return LDG_ERR_INVALID;
        }
        for (uint32_t t = 0; t < s; t++)
            if (!strcmp(o->subs[s].name, o->subs[t].name)) {
                snprintf(err, err_len, "sub-chain %s is named twice", o->subs[s].name);
                return LDG_ERR_INVALID;
            }
    }
    char ca_crt[NET_PATH_MAX], ca_key[NET_PATH_MAX];
    if (o->period_ms != 0 &&
        (o->period_ms < CHN_PERIOD_MIN_MS || o->period_ms > CHN_PERIOD_MAX_MS)) {
        snprintf(err, err_len, "--period must be %llu..%llu ms (or 0: the governed default)",
                 (unsigned long long)CHN_PERIOD_MIN_MS, (unsigned long long)CHN_PERIOD_MAX_MS);
        return LDG_ERR_INVALID;
    }
    ldg_err e = prepare(o, m * (1 + o->sub_count), ca_crt, ca_key, err, err_len);
    if (e != LDG_OK)
        return e;
    char(*homes)[NET_PATH_MAX] = calloc(m, NET_PATH_MAX);
    LDG_ASSERT(homes);
    char base_id[LDG_CHAIN_ID_LEN_MAX + 1];
    char host[NET_HOST_CHAINS_TEXT_MAX + 64] = "\n[host]\nchains = ";
    for (uint32_t s = 0; s < o->sub_count; s++) {
        size_t l = strlen(host);
        snprintf(host + l, sizeof host - l, "%s%s", s ? "," : "", o->subs[s].name);
    }
    strncat(host, "\n", sizeof host - strlen(host) - 1);
    /* the main chain */
    ldg_genesis_participant extra[NET_HOST_CHAINS_MAX];
    for (uint32_t i = 0; i < m && e == LDG_OK; i++) {
        char name[16];
        snprintf(name, sizeof name, "node%u", i);
        if (!join(homes[i], o->dir, name, err, err_len))
            e = LDG_ERR_INVALID;
        else if (mkdir(homes[i], 0700) != 0 && errno != EEXIST)
            e = LDG_ERR_IO;
    }
    for (uint32_t s = 0; s < o->sub_count && e == LDG_OK; s++) {
        char kn[NET_KEY_NAME_MAX + 1];
        snprintf(kn, sizeof kn, "subchain-%s", o->subs[s].name);
        ldg_keypair kp;
        if ((e = net_key_create(homes[0], kn, &kp)) != LDG_OK) {
            snprintf(err, err_len, "cannot create %s/keys/%s.key", homes[0], kn);
            break;
        }
        snprintf(extra[s].name, sizeof extra[s].name, "%s", kn);
        extra[s].roles = 0;
        extra[s].key = kp.pub;
        explicit_bzero(&kp, sizeof kp);
    }
    tn_chain mc = {.chain_id = o->chain_id,
                   .validators = m,
                   .homes = homes,
                   .port0 = o->base_port,
                   .host_cfg = host,
                   .extra = extra,
                   .extra_count = o->sub_count,
                   .operators_participate = true};
    if (e == LDG_OK)
        e = init_chain(o, &mc, ca_crt, ca_key, err, err_len);
    snprintf(base_id, sizeof base_id, "%s", mc.chain_id_out);
    char ini[16384];
    int il = snprintf(ini, sizeof ini,
                      "# folio consortium: one main chain and its sub-chains; member I is "
                      "DIR/nodeI\n[main]\nchain_id = %s\nvalidators = %u\n",
                      base_id, m);
    /* the sub-chains */
    for (uint32_t s = 0; s < o->sub_count && e == LDG_OK; s++) {
        uint32_t v = o->subs[s].validators;
        char(*sh)[NET_PATH_MAX] = calloc(v, NET_PATH_MAX);
        LDG_ASSERT(sh);
        for (uint32_t i = 0; i < v && e == LDG_OK; i++) {
            char rel[NET_KEY_NAME_MAX + 16];
            snprintf(rel, sizeof rel, "chains/%s", o->subs[s].name);
            net_home_path(sh[i], homes[i], "chains");
            mkdir(sh[i], 0700);
            if (!join(sh[i], homes[i], rel, err, err_len))
                e = LDG_ERR_INVALID;
        }
        char cid[LDG_CHAIN_ID_LEN_MAX + 1];
        snprintf(cid, sizeof cid, "%.*s-%s",
                 (int)(LDG_CHAIN_ID_LEN_MAX - 1 - strlen(o->subs[s].name)), base_id,
                 o->subs[s].name);
        tn_chain sc = {.chain_id = cid,
                       .validators = v,
                       .homes = sh,
                       .port0 = o->base_port + 10 * (int)(m * (s + 1))};
        if (e == LDG_OK)
            e = init_chain(o, &sc, ca_crt, ca_key, err, err_len);
        if (e == LDG_OK && il > 0 && (size_t)il < sizeof ini) {
            /* What the committee's chain.create proposal carries (chains.md §4.1). */
            ldg_account acct;
            ldg_account_of(&acct, &extra[s].key);
            ldg_enc p;
            ldg_enc_init(&p);
            ldg_enc_array(&p, 7);
            ldg_enc_str(&p, o->subs[s].name);
            ldg_enc_str(&p, o->subs[s].name);
            ldg_enc_str(&p, cid);
            ldg_enc_bin(&p, sc.genesis_hash_out.b, LDG_HASH_LEN);
            ldg_enc_array(&p, v);
            for (uint32_t i = 0; i < v; i++)
                ldg_enc_bin(&p, sc.vals_out[i].b, LDG_PUBKEY_LEN);
            ldg_enc_u64(&p, o->period_ms);
            ldg_enc_bin(&p, acct.b, LDG_ACCOUNT_LEN);
            char *hex = malloc(2 * ldg_enc_len(&p) + 1);
            LDG_ASSERT(hex);
            ldg_hex_encode(hex, ldg_enc_data(&p), ldg_enc_len(&p));
            il += snprintf(ini + il, sizeof ini - (size_t)il,
                           "\n[sub %s]\nchain_id = %s\nvalidators = %u\nrpc_port0 = %d\n"
                           "period_ms = %llu\ncreate_payload = %s\n",
                           o->subs[s].name, cid, v, sc.port0 + 9, (unsigned long long)o->period_ms,
                           hex);
            free(hex);
            ldg_enc_free(&p);
        }
        free(sh);
    }
    if (e == LDG_OK) {
        char path[NET_PATH_MAX];
        LDG_ASSERT(il > 0 && (size_t)il < sizeof ini);
        if (join(path, o->dir, "consortium.ini", err, err_len))
            e = put_file(path, ini, (size_t)il, 0644);
        else
            e = LDG_ERR_INVALID;
    }
    free(homes);
    return e;
}
