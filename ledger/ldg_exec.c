#include "ldg_exec.h"
#include "ldg_limits.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *role_names[] = {"registrar", "issuer",          "broker",    "ccp",
                                   "clearing",  "settlement-bank", "regulator", "investor",
                                   "deployer",  "validator"};

uint32_t ldg_roles_parse(const char *list, char *bad, size_t bad_len)
{
    uint32_t bits = 0;
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        bool ok = false;
        for (size_t i = 0; i < LDG_ARRAY_LEN(role_names); i++) {
            if (strlen(role_names[i]) == n && strncmp(role_names[i], p, n) == 0) {
                bits |= 1u << i;
                ok = true;
            }
        }
        if (!ok) {
            snprintf(bad, bad_len, "%.*s", (int)n, p);
            return 0;
        }
        p += n + (end != NULL);
    }
    if (!bits)
        snprintf(bad, bad_len, "%s", "(empty)");
    return bits;
}

void ldg_roles_format(uint32_t roles, char *out, size_t out_len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < LDG_ARRAY_LEN(role_names); i++) {
        if (!(roles & (1u << i)))
            continue;
        int n = snprintf(out + used, out_len - used, "%s%s", used ? "," : "", role_names[i]);
        if (n < 0 || (size_t)n >= out_len - used)
            break;
        used += (size_t)n;
    }
}

/* ---- registry ---- */

#define REGISTRY_TYPES_MAX LDG_REGISTRY_TYPES_MAX
#define REGISTRY_HOOKS_MAX LDG_REGISTRY_HOOKS_MAX

typedef struct block_hook {
    ldg_block_hook_fn fn;
    ldg_block_hook_reg_fn fn_reg;
} block_hook;

struct ldg_registry {
    const ldg_tx_type *types[REGISTRY_TYPES_MAX]; /* by type number */
    block_hook hooks[REGISTRY_HOOKS_MAX];
    size_t hook_count;
    ldg_genesis_hook_fn genesis_hooks[REGISTRY_HOOKS_MAX];
    size_t genesis_hook_count;
    ldg_code_gate_fn code_gate;
    ldg_work_due_fn due[REGISTRY_HOOKS_MAX];
    size_t due_count;
    ldg_transfer_hook_fn transfer_hooks[REGISTRY_HOOKS_MAX];
    size_t transfer_hook_count;
    ldg_sigjobs_fn sigjobs[REGISTRY_TYPES_MAX]; /* by type number */
    ldg_block_limits_fn limits;
};

ldg_registry *ldg_registry_new(void)
{
    ldg_registry *r = calloc(1, sizeof *r);
    LDG_ASSERT(r);
    return r;
}

void ldg_registry_free(ldg_registry *r)
{
    free(r);
}

void ldg_registry_add_tx(ldg_registry *r, const ldg_tx_type *t)
{
    LDG_ASSERT(t->type < REGISTRY_TYPES_MAX && r->types[t->type] == NULL);
    r->types[t->type] = t;
}

void ldg_registry_add_sigjobs(ldg_registry *r, uint16_t type, ldg_sigjobs_fn fn)
{
    LDG_ASSERT(type < REGISTRY_TYPES_MAX && r->types[type] && !r->sigjobs[type]);
    r->sigjobs[type] = fn;
}

uint32_t ldg_exec_presign(const ldg_registry *r, ldg_state *st, const ldg_env *env,
                          const ldg_tx *txs, uint32_t n, unsigned threads)
{
    if (!env->sigcache)
        return 0;
    ldg_sigjob *jobs = NULL;
    uint32_t count = 0;
    for (uint32_t i = 0; i < n && count < LDG_SIGCACHE_BLOCK_JOBS; i++) {
        ldg_sigjobs_fn fn = txs[i].type < REGISTRY_TYPES_MAX ? r->sigjobs[txs[i].type] : NULL;
        if (!fn)
            continue;
        if (!jobs) {
            jobs = malloc(LDG_SIGCACHE_BLOCK_JOBS * sizeof *jobs);
            LDG_ASSERT(jobs);
        }
        uint32_t k = fn(st, env, &txs[i], jobs + count, LDG_SIGCACHE_BLOCK_JOBS - count);
        LDG_ASSERT(k <= LDG_SIGCACHE_BLOCK_JOBS - count);
        count += k;
    }
    if (count)
        ldg_sigcache_fill(env->sigcache, jobs, count, threads);
    free(jobs);
    return count;
}

void ldg_registry_add_hook(ldg_registry *r, ldg_block_hook_fn fn)
{
    LDG_ASSERT(r->hook_count < REGISTRY_HOOKS_MAX);
    r->hooks[r->hook_count++] = (block_hook){.fn = fn};
}

void ldg_registry_add_hook_reg(ldg_registry *r, ldg_block_hook_reg_fn fn)
{
    LDG_ASSERT(r->hook_count < REGISTRY_HOOKS_MAX);
    r->hooks[r->hook_count++] = (block_hook){.fn_reg = fn};
}

void ldg_registry_add_genesis_hook(ldg_registry *r, ldg_genesis_hook_fn fn)
{
    LDG_ASSERT(r->genesis_hook_count < REGISTRY_HOOKS_MAX);
    r->genesis_hooks[r->genesis_hook_count++] = fn;
}

void ldg_registry_set_code_gate(ldg_registry *r, ldg_code_gate_fn fn)
{
    LDG_ASSERT(r->code_gate == NULL);
    r->code_gate = fn;
}

ldg_result ldg_code_gate_run(ldg_txctx *c, const uint8_t code_hash[32])
{
    if (!c->reg || !c->reg->code_gate)
        return LDG_R_OK;
    return c->reg->code_gate(c, code_hash);
}

void ldg_exec_genesis_hooks(const ldg_registry *r, ldg_state *st, const struct ldg_genesis *g)
{
    for (size_t i = 0; r && i < r->genesis_hook_count; i++)
        r->genesis_hooks[i](st, g);
}

void ldg_registry_add_work_due(ldg_registry *r, ldg_work_due_fn fn)
{
    LDG_ASSERT(r->due_count < REGISTRY_HOOKS_MAX);
    r->due[r->due_count++] = fn;
}

void ldg_registry_add_transfer_hook(ldg_registry *r, ldg_transfer_hook_fn fn)
{
    LDG_ASSERT(r->transfer_hook_count < REGISTRY_HOOKS_MAX);
    r->transfer_hooks[r->transfer_hook_count++] = fn;
}

ldg_result ldg_transfer_hooks_run(ldg_txctx *c, const char *instrument, const ldg_account *from,
                                  const ldg_account *to, uint64_t quantity)
{
    if (!c->reg)
        return LDG_R_OK;
    for (size_t i = 0; i < c->reg->transfer_hook_count; i++) {
        ldg_result r = c->reg->transfer_hooks[i](c, instrument, from, to, quantity);
        if (r != LDG_R_OK)
            return r;
    }
    return LDG_R_OK;
}

void ldg_registry_set_block_limits(ldg_registry *r, ldg_block_limits_fn fn)
{
    LDG_ASSERT(!r->limits);
    r->limits = fn;
}

ldg_err ldg_block_limits_read(const ldg_registry *r, ldg_state *st, ldg_block_limits *out)
{
    *out = (ldg_block_limits){LDG_BLOCK_TX_MAX, LDG_BLOCK_SIZE_MAX};
    if (!r || !r->limits)
        return LDG_OK;
    ldg_block_limits v;
    ldg_err err = r->limits(st, &v);
    if (err != LDG_OK)
        return err;
    /* The module validated them; clamping keeps the memory bounds whatever it says. */
    out->max_txs = v.max_txs < LDG_BLOCK_TX_FLOOR ? LDG_BLOCK_TX_FLOOR
                   : v.max_txs > LDG_BLOCK_TX_MAX ? LDG_BLOCK_TX_MAX
                                                  : v.max_txs;
    out->max_bytes = v.max_bytes < LDG_BLOCK_SIZE_FLOOR ? LDG_BLOCK_SIZE_FLOOR
                     : v.max_bytes > LDG_BLOCK_SIZE_MAX ? LDG_BLOCK_SIZE_MAX
                                                        : v.max_bytes;
    return LDG_OK;
}

bool ldg_block_limits_fit(const ldg_block_limits *lim, uint64_t n, uint64_t bytes, char *why,
                          size_t why_len)
{
    if (n > lim->max_txs) {
        if (why)
            snprintf(why, why_len, "%llu transactions; block.max_txs in force is %u",
                     (unsigned long long)n, lim->max_txs);
        return false;
    }
    if (bytes > lim->max_bytes) {
        if (why)
            snprintf(why, why_len, "%llu transaction bytes; block.max_bytes in force is %llu",
                     (unsigned long long)bytes, (unsigned long long)lim->max_bytes);
        return false;
    }
    return true;
}

bool ldg_registry_work_due(const ldg_registry *r, ldg_state *st, uint64_t time_ms)
{
    for (size_t i = 0; i < r->due_count; i++)
        if (r->due[i](st, time_ms))
            return true;
    return false;
}

const ldg_tx_type *ldg_registry_find(const ldg_registry *r, uint64_t type)
{
    return type < REGISTRY_TYPES_MAX ? r->types[type] : NULL;
}

/* ---- u64 values ---- */

void ldg_state_put_u64(ldg_state *st, const void *key, size_t klen, uint64_t v)
{
    uint8_t buf[9];
    size_t n;
    /* Canonical msgpack of a positive integer, without an encoder allocation. */
    if (v < 128) {
        buf[0] = (uint8_t)v;
        n = 1;
    } else if (v <= UINT8_MAX) {
        buf[0] = 0xcc, buf[1] = (uint8_t)v, n = 2;
    } else if (v <= UINT16_MAX) {
        buf[0] = 0xcd, buf[1] = (uint8_t)(v >> 8), buf[2] = (uint8_t)v, n = 3;
    } else if (v <= UINT32_MAX) {
        buf[0] = 0xce;
        for (int i = 0; i < 4; i++)
            buf[1 + i] = (uint8_t)(v >> (24 - 8 * i));
        n = 5;
    } else {
        buf[0] = 0xcf;
        for (int i = 0; i < 8; i++)
            buf[1 + i] = (uint8_t)(v >> (56 - 8 * i));
        n = 9;
    }
    ldg_state_put(st, key, klen, buf, n);
}

ldg_err ldg_state_get_u64(ldg_state *st, const void *key, size_t klen, uint64_t *v)
{
    const uint8_t *p;
    size_t n;
    bool found;
    ldg_err err = ldg_state_get(st, key, klen, &p, &n, &found);
    if (err != LDG_OK)
        return err;
    *v = 0;
    if (!found)
        return LDG_OK;
    if (n == 1 && p[0] < 128) {
        *v = p[0];
        return LDG_OK;
    }
    size_t w = n - 1;
    if ((p[0] == 0xcc && w == 1) || (p[0] == 0xcd && w == 2) || (p[0] == 0xce && w == 4) ||
        (p[0] == 0xcf && w == 8)) {
        for (size_t i = 0; i < w; i++)
            *v = *v << 8 | p[1 + i];
        return LDG_OK;
    }
    return LDG_ERR_CORRUPT;
}

/* ---- participants ---- */

void ldg_participant_put(ldg_state *st, const ldg_participant *p)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 4);
    ldg_enc_str(&e, p->name);
    ldg_enc_u64(&e, p->roles);
    ldg_enc_bin(&e, p->pubkey.b, LDG_PUBKEY_LEN);
    ldg_enc_u64(&e, p->height);
    uint8_t key[1 + LDG_ACCOUNT_LEN] = {LDG_KEY_PARTICIPANT};
    memcpy(key + 1, p->account.b, LDG_ACCOUNT_LEN);
    ldg_state_put(st, key, sizeof key, ldg_enc_data(&e), ldg_enc_len(&e));
    uint8_t nkey[1 + LDG_NAME_LEN_MAX] = {LDG_KEY_NAME};
    size_t nl = strlen(p->name);
    memcpy(nkey + 1, p->name, nl);
    ldg_state_put(st, nkey, 1 + nl, p->account.b, LDG_ACCOUNT_LEN);
    ldg_enc_free(&e);
}

ldg_err ldg_participant_decode(const uint8_t *v, size_t vl, ldg_participant *out)
{
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    uint64_t roles;
    bool ok = ldg_obj_array(d.root, 4, &f) &&
              ldg_obj_str(&f[0], out->name, LDG_NAME_LEN_MAX, false) &&
              ldg_obj_u64(&f[1], &roles) && roles <= LDG_ROLE_ALL &&
              ldg_obj_bin(&f[2], out->pubkey.b, LDG_PUBKEY_LEN) && ldg_obj_u64(&f[3], &out->height);
    ldg_dec_free(&d);
    if (!ok)
        return LDG_ERR_CORRUPT;
    out->roles = (uint32_t)roles;
    ldg_account_of(&out->account, &out->pubkey);
    return LDG_OK;
}

ldg_err ldg_participant_get(ldg_state *st, const ldg_account *a, ldg_participant *out, bool *found)
{
    uint8_t key[1 + LDG_ACCOUNT_LEN] = {LDG_KEY_PARTICIPANT};
    memcpy(key + 1, a->b, LDG_ACCOUNT_LEN);
    const uint8_t *v;
    size_t vl;
    ldg_err err = ldg_state_get(st, key, sizeof key, &v, &vl, found);
    if (err != LDG_OK || !*found)
        return err;
    return ldg_participant_decode(v, vl, out);
}

ldg_err ldg_participant_by_name(ldg_state *st, const char *name, ldg_participant *out, bool *found)
{
    size_t nl = strlen(name);
    *found = false;
    if (nl == 0 || nl > LDG_NAME_LEN_MAX)
        return LDG_OK;
    uint8_t nkey[1 + LDG_NAME_LEN_MAX] = {LDG_KEY_NAME};
    memcpy(nkey + 1, name, nl);
    const uint8_t *v;
    size_t vl;
    ldg_err err = ldg_state_get(st, nkey, 1 + nl, &v, &vl, found);
    if (err != LDG_OK || !*found)
        return err;
    if (vl != LDG_ACCOUNT_LEN)
        return LDG_ERR_CORRUPT;
    ldg_account a;
    memcpy(a.b, v, LDG_ACCOUNT_LEN);
    return ldg_participant_get(st, &a, out, found);
}

void ldg_txctx_detail(ldg_txctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->detail, sizeof c->detail, fmt, ap);
    va_end(ap);
}

/* Names are what people type: letters, digits, '-', '_', '.', starting with a letter. */
bool ldg_participant_name_ok(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return false;
    return true;
}

/* participant.register: [name, roles, pubkey] by a registrar. */
static ldg_result apply_register(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    ldg_participant p = {0};
    uint64_t roles;
    if (!ldg_obj_array(payload, 3, &f) || !ldg_obj_str(&f[0], p.name, LDG_NAME_LEN_MAX, false) ||
        !ldg_obj_u64(&f[1], &roles) || !ldg_obj_bin(&f[2], p.pubkey.b, LDG_PUBKEY_LEN))
        return LDG_R_BAD_PAYLOAD;
    if (!ldg_participant_name_ok(p.name)) {
        ldg_txctx_detail(c, "name '%s' must start with a letter and use letters, digits, - _ .",
                         p.name);
        return LDG_R_BAD_PAYLOAD;
    }
    if (roles == 0 || roles > LDG_ROLE_ALL)
        return LDG_R_BAD_ROLE;
    if (!ldg_pubkey_valid(&p.pubkey))
        return LDG_R_BAD_KEY;
    p.roles = (uint32_t)roles;
    p.height = c->env->height;
    ldg_account_of(&p.account, &p.pubkey);
    ldg_participant existing;
    bool found;
    if (ldg_participant_get(c->st, &p.account, &existing, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (found) {
        ldg_txctx_detail(c, "the key is registered as '%s'", existing.name);
        return LDG_R_ALREADY_REGISTERED;
    }
    if (ldg_participant_by_name(c->st, p.name, &existing, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (found) {
        ldg_txctx_detail(c, "'%s' is taken", p.name);
        return LDG_R_NAME_TAKEN;
    }
    ldg_participant_put(c->st, &p);
    memcpy(c->data, p.account.b, LDG_ACCOUNT_LEN);
    c->data_len = LDG_ACCOUNT_LEN;
    return LDG_R_OK;
}

static const ldg_tx_type core_types[] = {
    {LDG_TX_PARTICIPANT_REGISTER, "participant.register", LDG_ROLE_REGISTRAR, apply_register},
};

void ldg_exec_register_core(ldg_registry *r)
{
    for (size_t i = 0; i < LDG_ARRAY_LEN(core_types); i++)
        ldg_registry_add_tx(r, &core_types[i]);
}

/* ---- execution ---- */

ldg_result ldg_exec_precheck(const ldg_tx *tx, const char *chain_id, uint64_t now_ms)
{
    if (strcmp(tx->chain_id, chain_id) != 0)
        return LDG_R_WRONG_CHAIN;
    if (tx->expiry_ms < now_ms)
        return LDG_R_EXPIRED;
    if (tx->expiry_ms - now_ms > LDG_TX_TTL_MS_MAX)
        return LDG_R_EXPIRY_TOO_FAR;
    return LDG_R_OK;
}

ldg_err ldg_exec_begin_block(const ldg_registry *r, ldg_state *st, const ldg_env *env)
{
    for (size_t i = 0; i < r->hook_count; i++) {
        ldg_err err = r->hooks[i].fn ? r->hooks[i].fn(st, env) : r->hooks[i].fn_reg(r, st, env);
        if (err != LDG_OK)
            return err;
    }
    return LDG_OK;
}

static void record_txid(ldg_state *st, const ldg_tx *tx, uint64_t height, uint32_t index)
{
    uint8_t key[1 + LDG_HASH_LEN] = {LDG_KEY_TXID};
    memcpy(key + 1, tx->id.b, LDG_HASH_LEN);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_u64(&e, height);
    ldg_enc_u64(&e, index);
    ldg_state_put(st, key, sizeof key, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

/* The checks every transaction passes before its handler runs; the first failure wins,
 * in the order of specs/transactions.md. */
static ldg_result envelope_checks(const ldg_registry *r, ldg_txctx *c, const ldg_tx_type **type)
{
    ldg_result res = ldg_exec_precheck(c->tx, c->env->chain_id, c->env->time_ms);
    if (res != LDG_R_OK)
        return res;
    *type = ldg_registry_find(r, c->tx->type);
    if (!*type)
        return LDG_R_UNKNOWN_TYPE;
    ldg_participant p;
    bool found;
    ldg_account_of(&c->sender, &c->tx->sender);
    if (ldg_participant_get(c->st, &c->sender, &p, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return LDG_R_UNKNOWN_SENDER;
    c->sender_roles = p.roles;
    if ((*type)->roles_any && !(p.roles & (*type)->roles_any)) {
        char need[128];
        ldg_roles_format((*type)->roles_any, need, sizeof need);
        ldg_txctx_detail(c, "%s needs the role %s; '%s' does not hold it", (*type)->name, need,
                         p.name);
        return LDG_R_UNAUTHORIZED;
    }
    return LDG_R_OK;
}

ldg_err ldg_exec_tx(const ldg_registry *r, ldg_state *st, const ldg_env *env, const ldg_tx *tx,
                    uint32_t index, ldg_receipt *rc)
{
    memset(rc, 0, sizeof *rc);
    uint8_t key[1 + LDG_HASH_LEN] = {LDG_KEY_TXID};
    memcpy(key + 1, tx->id.b, LDG_HASH_LEN);
    const uint8_t *v;
    size_t vl;
    bool seen;
    ldg_err err = ldg_state_get(st, key, sizeof key, &v, &vl, &seen);
    if (err != LDG_OK)
        return err;
    if (seen) {
        /* A replay consumes nothing and is not recorded again. */
        rc->code = LDG_R_REPLAY;
        return LDG_OK;
    }
    ldg_txctx c = {.reg = r, .st = st, .env = env, .tx = tx, .index = index};
    const ldg_tx_type *type = NULL;
    ldg_state_tx_begin(st);
    /* Notes made by the handler name this transaction (ldg_state_note). */
    ldg_note_origin origin = {
        .in_tx = true, .index = index, .type = (uint16_t)tx->type, .txid = tx->id};
    ldg_state_set_origin(st, &origin);
    ldg_result res = envelope_checks(r, &c, &type);
    if (res == LDG_R_OK)
        res = type->apply(&c, tx->payload);
    ldg_state_set_origin(st, NULL);
    if (res == LDG_R_STORE_FAILED) {
        /* Not a business result: another replica would read fine. Abandon the block. */
        ldg_state_tx_rollback(st);
        return LDG_ERR_IO;
    }
    if (res != LDG_R_OK) {
        ldg_state_tx_rollback(st);
        ldg_state_tx_begin(st);
    }
    /* Committed or failed, an included transaction's id is spent. */
    record_txid(st, tx, env->height, index);
    ldg_state_tx_commit(st);
    rc->code = res;
    memcpy(rc->detail, c.detail, sizeof rc->detail);
    if (res == LDG_R_OK) {
        memcpy(rc->data, c.data, c.data_len);
        rc->data_len = c.data_len;
    }
    return LDG_OK;
}
