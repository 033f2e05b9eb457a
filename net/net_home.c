#include "net_home.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void net_home_resolve(char out[NET_PATH_MAX], const char *explicit_home)
{
    const char *h = explicit_home;
    char buf[NET_PATH_MAX];
    if (!h || !*h)
        h = getenv("FOLIO_HOME");
    if (!h || !*h) {
        const char *home = getenv("HOME");
        snprintf(buf, sizeof buf, "%s/.folio", home ? home : ".");
        h = buf;
    }
    if (h[0] == '/') {
        snprintf(out, NET_PATH_MAX, "%s", h);
    } else {
        char cwd[NET_PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            snprintf(cwd, sizeof cwd, ".");
        snprintf(out, NET_PATH_MAX, "%s/%s", cwd, h);
    }
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/')
        out[--n] = '\0';
}

void net_home_path(char out[NET_PATH_MAX], const char *home, const char *rel)
{
    snprintf(out, NET_PATH_MAX, "%s/%s", home, rel);
}

bool net_key_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NET_KEY_NAME_MAX)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return false;
    return true;
}

static ldg_err write_file(const char *path, const void *data, size_t len, int mode)
{
    /* Write to a temp file, fsync, rename: a crash never leaves half a key or config. */
    char tmp[NET_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0)
        return LDG_ERR_IO;
    const uint8_t *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(tmp);
            return LDG_ERR_IO;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return LDG_ERR_IO;
    }
    return LDG_OK;
}

static ldg_err read_file(const char *path, uint8_t **data, size_t *len, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? LDG_ERR_NOT_FOUND : LDG_ERR_IO;
    uint8_t *buf = malloc(max + 1);
    LDG_ASSERT(buf);
    size_t n = fread(buf, 1, max + 1, f);
    fclose(f);
    if (n > max) {
        free(buf);
        return LDG_ERR_TOO_LARGE;
    }
    *data = buf;
    *len = n;
    return LDG_OK;
}

static void key_path(char out[NET_PATH_MAX], const char *home, const char *name, const char *ext)
{
    snprintf(out, NET_PATH_MAX, "%s/keys/%s.%s", home, name, ext);
}

ldg_err net_key_create(const char *home, const char *name, ldg_keypair *out)
{
    if (!net_key_name_ok(name))
        return LDG_ERR_INVALID;
    char path[NET_PATH_MAX], dir[NET_PATH_MAX];
    net_home_path(dir, home, "keys");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return LDG_ERR_IO;
    key_path(path, home, name, "key");
    if (access(path, F_OK) == 0)
        return LDG_ERR_EXISTS;
    ldg_err err = ldg_keypair_generate(out);
    if (err != LDG_OK)
        return err;
    char hex[2 * LDG_SECKEY_LEN + 2];
    ldg_hex_encode(hex, out->secret, LDG_SECKEY_LEN);
    strcat(hex, "\n");
    err = write_file(path, hex, strlen(hex), 0600);
    explicit_bzero(hex, sizeof hex);
    if (err != LDG_OK)
        return err;
    ldg_hex_encode(hex, out->pub.b, LDG_PUBKEY_LEN);
    strcat(hex, "\n");
    key_path(path, home, name, "pub");
    return write_file(path, hex, strlen(hex), 0644);
}

static ldg_err read_hex32(const char *path, uint8_t out[32])
{
    uint8_t *data;
    size_t len;
    ldg_err err = read_file(path, &data, &len, 128);
    if (err != LDG_OK)
        return err;
    char hex[65];
    if (len < 64) {
        free(data);
        return LDG_ERR_CORRUPT;
    }
    memcpy(hex, data, 64);
    hex[64] = '\0';
    explicit_bzero(data, len);
    free(data);
    err = ldg_hex_decode(out, 32, hex) == 0 ? LDG_OK : LDG_ERR_CORRUPT;
    explicit_bzero(hex, sizeof hex);
    return err;
}

ldg_err net_key_load(const char *home, const char *name, ldg_keypair *out)
{
    if (!net_key_name_ok(name))
        return LDG_ERR_INVALID;
    char path[NET_PATH_MAX];
    key_path(path, home, name, "key");
    uint8_t secret[32];
    ldg_err err = read_hex32(path, secret);
    if (err != LDG_OK)
        return err;
    err = ldg_keypair_from_secret(out, secret);
    explicit_bzero(secret, sizeof secret);
    return err;
}

ldg_err net_key_load_pub(const char *home, const char *name, ldg_pubkey *out)
{
    if (!net_key_name_ok(name))
        return LDG_ERR_INVALID;
    char path[NET_PATH_MAX];
    key_path(path, home, name, "pub");
    return read_hex32(path, out->b);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

size_t net_key_list(const char *home, char names[][NET_KEY_NAME_MAX + 1], size_t cap)
{
    char dir[NET_PATH_MAX];
    net_home_path(dir, home, "keys");
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < cap) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".pub") == 0 && l - 4 <= NET_KEY_NAME_MAX) {
            memcpy(names[n], e->d_name, l - 4);
            names[n][l - 4] = '\0';
            n++;
        }
    }
    closedir(d);
    qsort(names, n, sizeof names[0], name_cmp);
    return n;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
    net_config *c = user;
    if (!strcmp(section, "p2p")) {
        if (!strcmp(name, "listen"))
            snprintf(c->p2p_listen, sizeof c->p2p_listen, "%s", value);
        else if (!strcmp(name, "peers"))
            snprintf(c->p2p_peers, sizeof c->p2p_peers, "%s", value);
        else if (!strcmp(name, "tls"))
            c->p2p_tls = !(!strcmp(value, "off") || !strcmp(value, "0") || !strcmp(value, "false"));
        return 1;
    }
    if (!strcmp(section, "tls")) {
        char *dst = !strcmp(name, "ca")     ? c->tls_ca
                    : !strcmp(name, "cert") ? c->tls_cert
                    : !strcmp(name, "key")  ? c->tls_key
                                            : NULL;
        if (dst)
            snprintf(dst, NET_PATH_MAX, "%s", value);
        return 1;
    }
    if (!strcmp(section, "consensus")) {
        if (!strcmp(name, "propose_timeout_ms"))
            c->propose_timeout_ms = (int)strtol(value, NULL, 10);
        else if (!strcmp(name, "vote_timeout_ms"))
            c->vote_timeout_ms = (int)strtol(value, NULL, 10);
        return 1;
    }
    if (strcmp(section, "node") != 0)
        return 1;
    if (!strcmp(name, "chain_id"))
        snprintf(c->chain_id, sizeof c->chain_id, "%s", value);
    else if (!strcmp(name, "rpc"))
        snprintf(c->rpc_url, sizeof c->rpc_url, "%s", value);
    else if (!strcmp(name, "validator_key"))
        snprintf(c->validator_key, sizeof c->validator_key, "%s", value);
    else if (!strcmp(name, "rpc_threads"))
        c->rpc_threads = (int)strtol(value, NULL, 10);
    else if (!strcmp(name, "verify_threads"))
        c->verify_threads = (int)strtol(value, NULL, 10);
    return 1;
}

ldg_err net_config_load(const char *home, net_config *cfg, char *err, size_t err_len)
{
    memset(cfg, 0, sizeof *cfg);
    char path[NET_PATH_MAX];
    net_home_path(path, home, "config.ini");
    snprintf(cfg->rpc_url, sizeof cfg->rpc_url, "ipc://%s/node.sock", home);
    snprintf(cfg->validator_key, sizeof cfg->validator_key, "operator");
    cfg->rpc_threads = 4;
    cfg->p2p_tls = true;
    cfg->propose_timeout_ms = 1000;
    cfg->vote_timeout_ms = 500;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->verify_threads = cores > 0 ? (int)cores : 2;
    if (access(path, F_OK) != 0) {
        snprintf(err, err_len, "%s is not a node home (no config.ini); run 'folio init --home %s'",
                 home, home);
        return LDG_ERR_NOT_FOUND;
    }
    int rc = ini_parse(path, config_handler, cfg);
    if (rc != 0) {
        snprintf(err, err_len, "%s: parse error on line %d", path, rc);
        return LDG_ERR_INVALID;
    }
    if (cfg->rpc_threads < 1 || cfg->rpc_threads > 64)
        cfg->rpc_threads = 4;
    if (cfg->verify_threads < 1 || cfg->verify_threads > 64)
        cfg->verify_threads = 2;
    if (cfg->propose_timeout_ms < 50 || cfg->propose_timeout_ms > 60000)
        cfg->propose_timeout_ms = 1000;
    if (cfg->vote_timeout_ms < 50 || cfg->vote_timeout_ms > 60000)
        cfg->vote_timeout_ms = 500;
    char(*files[])[NET_PATH_MAX] = {&cfg->tls_ca, &cfg->tls_cert, &cfg->tls_key};
    for (size_t i = 0; i < 3; i++) {
        if ((*files[i])[0] && (*files[i])[0] != '/') {
            char rel[NET_PATH_MAX];
            snprintf(rel, sizeof rel, "%s", *files[i]);
            net_home_path(*files[i], home, rel);
        }
    }
    return LDG_OK;
}

ldg_err net_genesis_load(const char *home, ldg_genesis *g)
{
    char path[NET_PATH_MAX];
    net_home_path(path, home, "genesis.bin");
    uint8_t *data;
    size_t len;
    ldg_err err = read_file(path, &data, &len, 1 << 20);
    if (err != LDG_OK)
        return err;
    err = ldg_genesis_decode(g, data, len);
    free(data);
    return err;
}

ldg_err net_home_init(const char *home, const char *chain_id, char *err, size_t err_len)
{
    char path[NET_PATH_MAX];
    net_home_path(path, home, "config.ini");
    if (access(path, F_OK) == 0) {
        snprintf(err, err_len, "%s already holds a node home", home);
        return LDG_ERR_EXISTS;
    }
    if (mkdir(home, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "cannot create %s: %s", home, strerror(errno));
        return LDG_ERR_IO;
    }
    ldg_keypair op;
    ldg_err e = net_key_create(home, "operator", &op);
    if (e != LDG_OK) {
        snprintf(err, err_len, "cannot create the operator key: %s", ldg_err_str(e));
        return e;
    }
    ldg_genesis g = {.validator_count = 1, .participant_count = 1};
    if (chain_id && *chain_id) {
        snprintf(g.chain_id, sizeof g.chain_id, "%s", chain_id);
    } else {
        /* 64 random bits: distinct ids for every chain anyone will create (the
         * signatures bind the genesis hash besides, specs/transactions.md). */
        uint8_t r[8];
        if (ldg_random(r, sizeof r) != LDG_OK)
            return LDG_ERR_IO;
        char hex[17];
        ldg_hex_encode(hex, r, sizeof r);
        snprintf(g.chain_id, sizeof g.chain_id, "folio-%s", hex);
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    g.time_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    g.validators[0] = op.pub;
    snprintf(g.participants[0].name, sizeof g.participants[0].name, "operator");
    g.participants[0].roles = LDG_ROLE_REGISTRAR | LDG_ROLE_VALIDATOR;
    g.participants[0].key = op.pub;
    explicit_bzero(&op, sizeof op);
    ldg_enc enc;
    ldg_enc_init(&enc);
    ldg_genesis_encode(&enc, &g);
    net_home_path(path, home, "genesis.bin");
    e = write_file(path, ldg_enc_data(&enc), ldg_enc_len(&enc), 0644);
    ldg_enc_free(&enc);
    if (e != LDG_OK) {
        snprintf(err, err_len, "cannot write %s", path);
        return e;
    }
    char cfg[1024];
    int n = snprintf(cfg, sizeof cfg,
                     "# folio node configuration\n[node]\nchain_id = %s\n"
                     "# RPC endpoint for clients: ipc://PATH (default HOME/node.sock) or "
                     "tcp://HOST:PORT\n# rpc = tcp://127.0.0.1:7700\n"
                     "validator_key = operator\nrpc_threads = 4\n",
                     g.chain_id);
    net_home_path(path, home, "config.ini");
    e = write_file(path, cfg, (size_t)n, 0644);
    if (e != LDG_OK)
        snprintf(err, err_len, "cannot write %s", path);
    return e;
}
