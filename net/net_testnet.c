#include "net_testnet.h"
#include "ldg_exec.h"
#include "net_consensus.h"
#include "net_file.h"
#include "net_home.h"
#include "net_tls.h"

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

ldg_err net_testnet_init(const net_testnet_opts *o, char *err, size_t err_len)
{
    uint32_t total = o->validators + o->observers + o->spares;
    if (o->validators < 2 || o->validators > NET_CONS_VALIDATORS_MAX || total > 100) {
        snprintf(err, err_len, "--validators must be 2..%d", NET_CONS_VALIDATORS_MAX);
        return LDG_ERR_INVALID;
    }
    if (o->base_port < 1024 || o->base_port + 10 * (int)total > 65000) {
        snprintf(err, err_len, "--base-port must leave room for 10 ports per node below 65000");
        return LDG_ERR_INVALID;
    }
    if (mkdir(o->dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "cannot create %s: %s", o->dir, strerror(errno));
        return LDG_ERR_IO;
    }
    char path[NET_PATH_MAX], path2[NET_PATH_MAX], ca_crt[NET_PATH_MAX], ca_key[NET_PATH_MAX];
    snprintf(path, sizeof path, "%s/node0/config.ini", o->dir);
    if (access(path, F_OK) == 0) {
        snprintf(err, err_len, "%s already holds a testnet", o->dir);
        return LDG_ERR_EXISTS;
    }
    snprintf(path, sizeof path, "%s/ca", o->dir);
    mkdir(path, 0700);
    snprintf(ca_crt, sizeof ca_crt, "%s/ca/ca.crt", o->dir);
    snprintf(ca_key, sizeof ca_key, "%s/ca/ca.key", o->dir);
    ldg_err e = LDG_OK;
    if (o->tls && (e = net_tls_make_ca(ca_crt, ca_key, "folio consortium CA", err, err_len)))
        return e;
    ldg_genesis *g = calloc(1, sizeof *g);
    LDG_ASSERT(g);
    if (o->chain_id) {
        snprintf(g->chain_id, sizeof g->chain_id, "%s", o->chain_id);
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
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    g->time_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    g->validator_count = o->validators;
    for (uint32_t i = 0; i < total && e == LDG_OK; i++) {
        char home[NET_PATH_MAX], name[16];
        snprintf(name, sizeof name, "node%u", i);
        if (!join(home, o->dir, name, err, err_len)) {
            e = LDG_ERR_INVALID;
            break;
        }
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
        }
        bool val_home = i < o->validators || i >= o->validators + o->observers;
        if (val_home && i >= o->validators) { /* a spare: a validator key, not in genesis */
            if ((e = net_key_create(home, "validator", &kp)) != LDG_OK) {
                snprintf(err, err_len, "cannot create %s/keys/validator.key", home);
                break;
            }
            ldg_hex_encode(cn, kp.pub.b, LDG_PUBKEY_LEN);
        } else if (i < o->validators) {
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
        for (uint32_t i = 0; i < total && e == LDG_OK; i++) {
            snprintf(path, sizeof path, "%s/node%u/genesis.bin", o->dir, i);
            e = put_file(path, ldg_enc_data(&enc), ldg_enc_len(&enc), 0644);
            char peers[2048] = "";
            for (uint32_t j = 0; j < total; j++) {
                if (j == i || (j >= o->validators && j < o->validators + o->observers))
                    continue;
                size_t l = strlen(peers);
                snprintf(peers + l, sizeof peers - l, "%s127.0.0.1:%d", l ? "," : "",
                         o->base_port + 10 * (int)j);
            }
            char cfg[4096];
            int n = snprintf(
                cfg, sizeof cfg,
                "# folio testnet node %u of %u validators%s\n[node]\nchain_id = %s\n"
                "rpc = tcp://127.0.0.1:%d\nvalidator_key = %s\nrpc_threads = 4\n\n"
                "[p2p]\n# HOST:PORT base: +0 consensus, +1 batches, +2 block sync, +3 commits\n"
                "listen = 127.0.0.1:%d\npeers = %s\ntls = %s\n\n"
                "[tls]\nca = tls/ca.crt\ncert = tls/node.crt\nkey = tls/node.key\n\n"
                "[consensus]\npropose_timeout_ms = 700\nvote_timeout_ms = 300\n",
                i, o->validators,
                i < o->validators                  ? ""
                : i < o->validators + o->observers ? " (observer)"
                                                   : " (spare validator, not in genesis)",
                g->chain_id, o->base_port + 10 * (int)i + 9,
                i < o->validators || i >= o->validators + o->observers ? "validator" : "operator",
                o->base_port + 10 * (int)i, peers, o->tls ? "on" : "off");
            snprintf(path, sizeof path, "%s/node%u/config.ini", o->dir, i);
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
