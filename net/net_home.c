#include "net_home.h"
#include "net_file.h"
#include "net_ini.h"
#include "net_keyfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

bool net_home_resolve(char out[NET_PATH_MAX], const char *explicit_home)
{
    const char *h = explicit_home;
    char buf[NET_PATH_MAX];
    if (!h || !*h)
        h = getenv("FOLIO_HOME");
    if (!h || !*h) {
        const char *home = getenv("HOME");
        int w = snprintf(buf, sizeof buf, "%s/.folio", home ? home : ".");
        if (w < 0 || (size_t)w >= sizeof buf)
            return false;
        h = buf;
    }
    int w;
    if (h[0] == '/') {
        w = snprintf(out, NET_PATH_MAX, "%s", h);
    } else {
        char cwd[NET_PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            snprintf(cwd, sizeof cwd, ".");
        w = snprintf(out, NET_PATH_MAX, "%s/%s", cwd, h);
    }
    if (w < 0 || (size_t)w >= NET_PATH_MAX)
        return false;
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/')
        out[--n] = '\0';
    return true;
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
    char err[512];
    return net_key_create_err(home, name, out, err, sizeof err);
}

ldg_err net_key_create_err(const char *home, const char *name, ldg_keypair *out, char *err,
                           size_t err_len)
{
    ldg_err e = ldg_keypair_generate(out);
    if (e != LDG_OK) {
        snprintf(err, err_len, "cannot generate a key: %s", ldg_err_str(e));
        return e;
    }
    return net_key_save(home, name, out, NULL, err, err_len);
}

ldg_err net_key_save(const char *home, const char *name, const ldg_keypair *kp, const char *pass,
                     char *err, size_t err_len)
{
    if (!net_key_name_ok(name)) {
        snprintf(err, err_len, "'%s' is not a key name", name);
        return LDG_ERR_INVALID;
    }
    char path[NET_PATH_MAX], dir[NET_PATH_MAX];
    net_home_path(dir, home, "keys");
    ldg_err e = net_dir_private(dir, err, err_len);
    if (e != LDG_OK)
        return e;
    key_path(path, home, name, "key");
    if (access(path, F_OK) == 0) {
        snprintf(err, err_len, "%s already exists", path);
        return LDG_ERR_EXISTS;
    }
    char text[NET_KEY_FILE_MAX];
    if (pass) {
        e = net_keyfile_seal(text, sizeof text, kp->secret, pass);
        if (e != LDG_OK) {
            snprintf(err, err_len, "cannot encrypt the key: %s", ldg_err_str(e));
            return e;
        }
    } else {
        ldg_hex_encode(text, kp->secret, LDG_SECKEY_LEN);
        strcat(text, "\n");
    }
    e = net_file_write(path, text, strlen(text), 0600, NET_FILE_CREATE, err, err_len);
    explicit_bzero(text, sizeof text);
    if (e != LDG_OK)
        return e;
    char hex[2 * LDG_PUBKEY_LEN + 2];
    ldg_hex_encode(hex, kp->pub.b, LDG_PUBKEY_LEN);
    strcat(hex, "\n");
    key_path(path, home, name, "pub");
    return net_file_write(path, hex, strlen(hex), 0644, NET_FILE_REPLACE, err, err_len);
}

ldg_err net_key_file_read(const char *home, const char *name, uint8_t **text, size_t *len)
{
    if (!net_key_name_ok(name))
        return LDG_ERR_INVALID;
    char path[NET_PATH_MAX];
    key_path(path, home, name, "key");
    return read_file(path, text, len, NET_KEY_FILE_MAX);
}

bool net_key_encrypted(const char *home, const char *name)
{
    uint8_t *text;
    size_t len;
    if (net_key_file_read(home, name, &text, &len) != LDG_OK)
        return false;
    bool sealed = net_keyfile_sealed(text, len);
    explicit_bzero(text, len);
    free(text);
    return sealed;
}

ldg_err net_key_delete(const char *home, const char *name, char *err, size_t err_len)
{
    if (!net_key_name_ok(name)) {
        snprintf(err, err_len, "'%s' is not a key name", name);
        return LDG_ERR_INVALID;
    }
    char path[NET_PATH_MAX];
    key_path(path, home, name, "key");
    if (unlink(path) != 0 && errno != ENOENT) {
        snprintf(err, err_len, "cannot delete %s: %s", path, strerror(errno));
        return LDG_ERR_IO;
    }
    key_path(path, home, name, "pub");
    if (unlink(path) != 0) {
        bool absent = errno == ENOENT;
        snprintf(err, err_len, absent ? "no key named '%s' in %s/keys" : "cannot delete %s: %s",
                 absent ? name : path, absent ? home : strerror(errno));
        return absent ? LDG_ERR_NOT_FOUND : LDG_ERR_IO;
    }
    char dir[NET_PATH_MAX];
    net_home_path(dir, home, "keys");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return LDG_OK;
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
    return net_key_load_pass(home, name, NULL, out);
}

ldg_err net_key_load_pass(const char *home, const char *name, const char *pass, ldg_keypair *out)
{
    uint8_t *text;
    size_t len;
    ldg_err err = net_key_file_read(home, name, &text, &len);
    if (err != LDG_OK)
        return err;
    uint8_t secret[32];
    err = net_keyfile_open(text, len, pass, secret);
    explicit_bzero(text, len);
    free(text);
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

/* ---- config.ini: every key the node knows, and nothing else (specs/rpc.md) ---- */

typedef enum cfg_kind { CFG_TEXT, CFG_INT, CFG_BOOL } cfg_kind;

typedef struct cfg_key {
    const char *section, *key;
    cfg_kind kind;
    size_t off, cap; /* offset in net_config; text: the buffer's size */
    int min, max;    /* int: the accepted range */
} cfg_key;

#define CFG_TEXT_KEY(s, k, f)                                                                      \
    {                                                                                              \
        s, k, CFG_TEXT, offsetof(net_config, f), sizeof(((net_config *)0)->f), 0, 0                \
    }
#define CFG_INT_KEY(s, k, f, lo, hi)                                                               \
    {                                                                                              \
        s, k, CFG_INT, offsetof(net_config, f), 0, lo, hi                                          \
    }
#define CFG_BOOL_KEY(s, k, f)                                                                      \
    {                                                                                              \
        s, k, CFG_BOOL, offsetof(net_config, f), 0, 0, 0                                           \
    }

static const cfg_key cfg_keys[] = {
    CFG_TEXT_KEY("node", "chain_id", chain_id),
    CFG_TEXT_KEY("node", "rpc", rpc_url),
    CFG_TEXT_KEY("node", "validator_key", validator_key),
    CFG_INT_KEY("node", "rpc_threads", rpc_threads, 1, 64),
    CFG_INT_KEY("node", "verify_threads", verify_threads, 1, 64),
    CFG_INT_KEY("node", "retain_blocks", retain_blocks, 0, INT_MAX),
    CFG_TEXT_KEY("p2p", "listen", p2p_listen),
    CFG_TEXT_KEY("p2p", "peers", p2p_peers),
    CFG_BOOL_KEY("p2p", "tls", p2p_tls),
    CFG_TEXT_KEY("tls", "ca", tls_ca),
    CFG_TEXT_KEY("tls", "cert", tls_cert),
    CFG_TEXT_KEY("tls", "key", tls_key),
    CFG_INT_KEY("consensus", "propose_timeout_ms", propose_timeout_ms, 50, 60000),
    CFG_INT_KEY("consensus", "vote_timeout_ms", vote_timeout_ms, 50, 60000),
    CFG_TEXT_KEY("client", "as", client_as),
    CFG_TEXT_KEY("client", "genesis_hash", client_genesis),
    CFG_TEXT_KEY("http", "listen", http_listen),
    CFG_BOOL_KEY("http", "tls", http_tls),
    CFG_BOOL_KEY("http", "public_reads", http_public_reads),
    CFG_TEXT_KEY("host", "chains", host_chains),
    CFG_TEXT_KEY("host", "relay_key", host_relay_key),
    CFG_INT_KEY("test", "fault_equivocate_at", test_fault_equivocate_at, 0, INT_MAX),
    CFG_TEXT_KEY("evidence", "mirrors", ev_mirrors),
    CFG_TEXT_KEY("evidence", "attest_as", ev_attest_as),
    CFG_TEXT_KEY("evidence", "attest_passphrase_file", ev_attest_pass_file),
    CFG_INT_KEY("evidence", "replicate_every_s", ev_replicate_every_s, 1, 86400),
    CFG_INT_KEY("evidence", "copies_required", ev_copies_required, 0, 1000),
    CFG_INT_KEY("evidence", "retention_days", ev_retention_days, 0, 100000),
};
_Static_assert(LDG_ARRAY_LEN(cfg_keys) <= 32, "seen is a 32-bit set");

typedef struct cfg_parse {
    net_config *cfg;
    uint32_t seen; /* bit i: cfg_keys[i] was set */
} cfg_parse;

static bool cfg_set(const cfg_key *k, net_config *cfg, const char *value, char *err, size_t err_len)
{
    void *dst = (char *)cfg + k->off;
    if (k->kind == CFG_TEXT) {
        if (strlen(value) >= k->cap) {
            snprintf(err, err_len, "%s is longer than %zu bytes", k->key, k->cap - 1);
            return false;
        }
        memcpy(dst, value, strlen(value) + 1);
        return true;
    }
    if (k->kind == CFG_BOOL) {
        static const char *const on[] = {"on", "1", "true", "yes"}, *const off[] = {"off", "0",
                                                                                    "false", "no"};
        for (size_t i = 0; i < 4; i++)
            if (!strcmp(value, on[i]) || !strcmp(value, off[i])) {
                *(bool *)dst = !strcmp(value, on[i]);
                return true;
            }
        snprintf(err, err_len, "%s must be on or off", k->key);
        return false;
    }
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (!*value || *end || errno || v < k->min || v > k->max) {
        snprintf(err, err_len, "%s must be a whole number from %d to %d", k->key, k->min, k->max);
        return false;
    }
    *(int *)dst = (int)v;
    return true;
}

static bool config_key(void *arg, const char *section, const char *name, const char *value,
                       char *err, size_t err_len)
{
    cfg_parse *p = arg;
    bool section_known = false;
    for (size_t i = 0; i < LDG_ARRAY_LEN(cfg_keys); i++) {
        const cfg_key *k = &cfg_keys[i];
        if (strcmp(section, k->section) != 0)
            continue;
        section_known = true;
        if (!name)
            return true; /* a known section's header */
        if (strcmp(name, k->key) != 0)
            continue;
        if (p->seen & (1u << i)) {
            snprintf(err, err_len, "%s is set twice in [%s]", name, section);
            return false;
        }
        p->seen |= 1u << i;
        return cfg_set(k, p->cfg, value, err, err_len);
    }
    if (!section_known)
        snprintf(err, err_len,
                 "unknown section [%s] (known: node, p2p, tls, consensus, client, http, host, "
                 "test, evidence)",
                 section);
    else
        snprintf(err, err_len, "unknown key %s in [%s]", name, section);
    return false;
}

static void config_defaults(const char *home, net_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->rpc_url, sizeof cfg->rpc_url, "ipc://%s/node.sock", home);
    snprintf(cfg->validator_key, sizeof cfg->validator_key, "operator");
    cfg->rpc_threads = 4;
    cfg->p2p_tls = true;
    cfg->propose_timeout_ms = 1000;
    cfg->vote_timeout_ms = 500;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->verify_threads = cores > 0 && cores <= 64 ? (int)cores : 2;
    cfg->retain_blocks = LDG_SMT_RETAIN_DEFAULT;
    cfg->http_public_reads = true;
    snprintf(cfg->host_relay_key, sizeof cfg->host_relay_key, "operator");
    cfg->ev_replicate_every_s = 10;
}

size_t net_config_host_chains(const net_config *cfg, char names[][NET_KEY_NAME_MAX + 1], size_t cap)
{
    size_t n = 0;
    const char *p = cfg->host_chains;
    while (*p && n < cap) {
        size_t len = strcspn(p, ",");
        size_t a = 0, b = len; /* trim spaces */
        while (a < b && p[a] == ' ')
            a++;
        while (b > a && p[b - 1] == ' ')
            b--;
        if (b > a && b - a <= NET_KEY_NAME_MAX) {
            memcpy(names[n], p + a, b - a);
            names[n++][b - a] = '\0';
        }
        p += len + (p[len] == ',');
    }
    return n;
}

/* [host] chains: 1..NET_HOST_CHAINS_MAX distinct key-like names (each HOME/chains/NAME). */
static bool host_chains_ok(const net_config *cfg, char *err, size_t err_len)
{
    if (!cfg->host_chains[0])
        return true;
    size_t commas = 0;
    for (const char *p = cfg->host_chains; *p; p++)
        commas += *p == ',';
    char names[NET_HOST_CHAINS_MAX][NET_KEY_NAME_MAX + 1];
    size_t n = net_config_host_chains(cfg, names, NET_HOST_CHAINS_MAX);
    bool ok = n == commas + 1;
    for (size_t i = 0; ok && i < n; i++) {
        ok = net_key_name_ok(names[i]) && strcmp(names[i], ".") && strcmp(names[i], "..");
        for (size_t j = 0; ok && j < i; j++)
            ok = strcmp(names[i], names[j]) != 0;
    }
    if (!ok)
        snprintf(err, err_len,
                 "chains in [host] must be 1 to %d distinct names (letters, digits, '-', '_', "
                 "'.'), comma-separated",
                 NET_HOST_CHAINS_MAX);
    return ok;
}

ldg_err net_config_parse(const char *text, size_t len, const char *home, net_config *cfg, char *err,
                         size_t err_len)
{
    config_defaults(home, cfg);
    cfg_parse p = {.cfg = cfg};
    ldg_err e = net_ini_parse(text, len, config_key, &p, err, err_len);
    if (e != LDG_OK)
        return e;
    if (!host_chains_ok(cfg, err, err_len))
        return LDG_ERR_INVALID;
    if (!net_key_name_ok(cfg->host_relay_key)) {
        snprintf(err, err_len, "relay_key in [host] must be a key name");
        return LDG_ERR_INVALID;
    }
    if (cfg->ev_attest_as[0] && !net_key_name_ok(cfg->ev_attest_as)) {
        snprintf(err, err_len,
                 "attest_as in [evidence] must be a key name (letters, digits, '-', '_', '.')");
        return LDG_ERR_INVALID;
    }
    if (cfg->client_as[0] && !net_key_name_ok(cfg->client_as)) {
        snprintf(err, err_len,
                 "as in [client] must be a key name (letters, digits, '-', '_', '.')");
        return LDG_ERR_INVALID;
    }
    uint8_t gh[LDG_HASH_LEN];
    if (cfg->client_genesis[0] && (strlen(cfg->client_genesis) != 2 * LDG_HASH_LEN ||
                                   ldg_hex_decode(gh, LDG_HASH_LEN, cfg->client_genesis) != 0)) {
        snprintf(err, err_len, "genesis_hash in [client] must be 64 hex digits");
        return LDG_ERR_INVALID;
    }
    char(*files[])[NET_PATH_MAX] = {&cfg->tls_ca, &cfg->tls_cert, &cfg->tls_key,
                                    &cfg->ev_attest_pass_file};
    for (size_t i = 0; i < LDG_ARRAY_LEN(files); i++) {
        if ((*files[i])[0] && (*files[i])[0] != '/') {
            char rel[NET_PATH_MAX];
            snprintf(rel, sizeof rel, "%s", *files[i]);
            if ((size_t)snprintf(*files[i], NET_PATH_MAX, "%s/%s", home, rel) >= NET_PATH_MAX) {
                snprintf(err, err_len, "the path %s/%.64s... is too long", home, rel);
                return LDG_ERR_INVALID;
            }
        }
    }
    return LDG_OK;
}

ldg_err net_config_load(const char *home, net_config *cfg, char *err, size_t err_len)
{
    char path[NET_PATH_MAX];
    net_home_path(path, home, "config.ini");
    config_defaults(home, cfg);
    uint8_t *data;
    size_t len;
    ldg_err e = read_file(path, &data, &len, NET_CONFIG_SIZE_MAX);
    if (e == LDG_ERR_NOT_FOUND) {
        snprintf(err, err_len, "%s is not a folio home (it has no config.ini)", home);
        return e;
    }
    if (e == LDG_ERR_TOO_LARGE) {
        snprintf(err, err_len, "%s is larger than %d bytes", path, NET_CONFIG_SIZE_MAX);
        return e;
    }
    if (e != LDG_OK) {
        snprintf(err, err_len, "cannot read %s: %s", path, strerror(errno));
        return e;
    }
    char why[512];
    e = net_config_parse((const char *)data, len, home, cfg, why, sizeof why);
    free(data);
    if (e != LDG_OK)
        snprintf(err, err_len, "%s: %s", path, why);
    return e;
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

/* A new home: created 0700, or an existing directory that is private (net_dir_private)
 * and empty, so that nothing planted in it (a symlink where a key will go) is used. */
static ldg_err home_prepare(const char *home, char *err, size_t err_len)
{
    ldg_err e = net_dir_private(home, err, err_len);
    if (e != LDG_OK)
        return e;
    DIR *d = opendir(home);
    if (!d) {
        snprintf(err, err_len, "cannot read %s: %s", home, strerror(errno));
        return LDG_ERR_IO;
    }
    struct dirent *ent;
    const char *found = NULL;
    char first[256] = "";
    while (!found && (ent = readdir(d)))
        if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0) {
            snprintf(first, sizeof first, "%s", ent->d_name);
            found = first;
        }
    closedir(d);
    if (found) {
        snprintf(err, err_len,
                 "%s is not empty (it holds %s); a node home is made in a new or "
                 "empty directory",
                 home, found);
        return LDG_ERR_EXISTS;
    }
    return LDG_OK;
}

ldg_err net_home_init(const char *home, const char *chain_id, char *err, size_t err_len)
{
    char path[NET_PATH_MAX];
    net_home_path(path, home, "config.ini");
    if (access(path, F_OK) == 0) {
        snprintf(err, err_len, "%s already holds a node home", home);
        return LDG_ERR_EXISTS;
    }
    ldg_err e = home_prepare(home, err, err_len);
    if (e != LDG_OK)
        return e;
    ldg_keypair op;
    char why[512];
    e = net_key_create_err(home, "operator", &op, why, sizeof why);
    if (e != LDG_OK) {
        snprintf(err, err_len, "cannot create the operator key: %s", why);
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
    /* The governance committee of a one-node chain: its operator (specs/governance.md §2). */
    g.committee_count = 1;
    snprintf(g.committee[0].name, sizeof g.committee[0].name, "operator");
    g.committee[0].weight = 1;
    explicit_bzero(&op, sizeof op);
    ldg_enc enc;
    ldg_enc_init(&enc);
    ldg_genesis_encode(&enc, &g);
    net_home_path(path, home, "genesis.bin");
    e = net_file_write(path, ldg_enc_data(&enc), ldg_enc_len(&enc), 0644, NET_FILE_CREATE, err,
                       err_len);
    ldg_enc_free(&enc);
    if (e != LDG_OK)
        return e;
    char cfg[1024];
    int n = snprintf(cfg, sizeof cfg,
                     "# folio node configuration\n[node]\nchain_id = %s\n"
                     "# RPC endpoint for clients: ipc://PATH (default HOME/node.sock) or "
                     "tcp://HOST:PORT\n# rpc = tcp://127.0.0.1:7700\n"
                     "validator_key = operator\nrpc_threads = 4\n",
                     g.chain_id);
    net_home_path(path, home, "config.ini");
    return net_file_write(path, cfg, (size_t)n, 0644, NET_FILE_CREATE, err, err_len);
}

ldg_err net_client_home_init(const char *home, const char *rpc_url, const char *chain_id,
                             const char *genesis_hex, const char *as, char *err, size_t err_len)
{
    char path[NET_PATH_MAX];
    net_home_path(path, home, "config.ini");
    if (access(path, F_OK) == 0) {
        snprintf(err, err_len, "%s already holds a folio home", home);
        return LDG_ERR_EXISTS;
    }
    ldg_err e = home_prepare(home, err, err_len);
    if (e != LDG_OK)
        return e;
    char dir[NET_PATH_MAX];
    net_home_path(dir, home, "keys");
    e = net_dir_private(dir, err, err_len);
    if (e != LDG_OK)
        return e;
    char cfg[NET_PATH_MAX + 1024];
    int n = snprintf(cfg, sizeof cfg,
                     "# folio client home: it uses the node below and runs none (specs/home.md)\n"
                     "[node]\nchain_id = %s\nrpc = %s\n[client]\ngenesis_hash = %s\n"
                     "# the key commands sign with when --as is not given (FOLIO_AS overrides)\n"
                     "%sas = %s\n",
                     chain_id, rpc_url, genesis_hex, as && *as ? "" : "# ",
                     as && *as ? as : "broker-a");
    if (n < 0 || (size_t)n >= sizeof cfg) {
        snprintf(err, err_len, "the node's address is too long");
        return LDG_ERR_INVALID;
    }
    /* Parsed back before it is written: what init writes, the CLI must read. */
    net_config check;
    char why[512];
    if (net_config_parse(cfg, (size_t)n, home, &check, why, sizeof why) != LDG_OK) {
        snprintf(err, err_len, "cannot write this configuration: %s", why);
        return LDG_ERR_INVALID;
    }
    return net_file_write(path, cfg, (size_t)n, 0644, NET_FILE_CREATE, err, err_len);
}

/* ---- liveness: a kernel lock on HOME/node.lock ---- */

static void lock_path(char out[NET_PATH_MAX], const char *home)
{
    net_home_path(out, home, "node.lock");
}

static pid_t lock_holder_fd(int fd)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_GETLK, &fl) != 0)
        return -1;
    if (fl.l_type == F_UNLCK)
        return 0;
    return fl.l_pid > 0 ? fl.l_pid : -1; /* 0: a holder in a pid namespace we cannot see */
}

int net_home_lock(const char *home, pid_t *holder, char *err, size_t err_len)
{
    char path[NET_PATH_MAX];
    lock_path(path, home);
    *holder = 0;
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &fl) == 0)
        return fd;
    int saved = errno;
    if (saved == EAGAIN || saved == EACCES) {
        *holder = lock_holder_fd(fd);
        snprintf(err, err_len, "a node is already running on %s (pid %d holds %s)", home,
                 (int)*holder, path);
    } else {
        snprintf(err, err_len, "cannot lock %s: %s", path, strerror(saved));
    }
    close(fd);
    return -1;
}

pid_t net_home_lock_holder(const char *home)
{
    char path[NET_PATH_MAX];
    lock_path(path, home);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    pid_t pid = lock_holder_fd(fd);
    close(fd);
    return pid;
}

void net_store_open_error(char *err, size_t err_len, const char *db, ldg_err e,
                          const ldg_open_report *rep)
{
    static const char recover[] =
        "the node will not run on it: resync it from peers or restore a backup "
        "(specs/state.md section 6.3)";
    if (e == LDG_ERR_CORRUPT && rep->lost)
        snprintf(err, err_len,
                 "the chain store in %s has lost committed blocks: it recovers only up to "
                 "height %llu, but this node had made height %llu durable; %s",
                 db, (unsigned long long)rep->stored, (unsigned long long)rep->committed, recover);
    else if (e == LDG_ERR_CORRUPT && rep->stored_known && rep->committed_known)
        snprintf(err, err_len,
                 "the chain store in %s is corrupt (%s): its last good block is height %llu, and "
                 "this node had made height %llu durable; %s",
                 db, rep->why[0] ? rep->why : "a record does not decode",
                 (unsigned long long)rep->stored, (unsigned long long)rep->committed, recover);
    else if (e == LDG_ERR_CORRUPT && rep->stored_known)
        snprintf(err, err_len,
                 "the chain store in %s is corrupt (%s): its last good block is height %llu; %s",
                 db, rep->why[0] ? rep->why : "a record does not decode",
                 (unsigned long long)rep->stored, recover);
    else if (e == LDG_ERR_CORRUPT)
        snprintf(err, err_len, "the chain store in %s is corrupt (%s); %s", db,
                 rep->why[0] ? rep->why : "a record does not decode", recover);
    else if (e == LDG_ERR_UNAVAILABLE)
        snprintf(err, err_len,
                 "the chain store in %s is locked by another process (%s); stop that process "
                 "first",
                 db, rep->why);
    else
        snprintf(err, err_len, "cannot open the chain store in %s: %s%s%s", db, ldg_err_str(e),
                 rep->why[0] ? ": " : "", rep->why);
}
