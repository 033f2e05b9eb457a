/* Decoder of the offline LSM input document. See stl_lsm_json.h. */
#include "stl_lsm_json.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_assert.h"

typedef struct stl_json_parser {
    stl_lsm_doc *doc;
    char *err;
    size_t err_len;
    uint32_t *order; /* instruction positions sorted by id */
} stl_json_parser;

__attribute__((format(printf, 3, 4))) static ldg_err
stl_json_fail(stl_json_parser *ps, ldg_err code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err, ps->err_len, fmt, ap);
    va_end(ap);
    return code;
}

static int stl_strcmp_p(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static int stl_u64_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static bool stl_json_name_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= STL_LSM_JSON_NAME_LEN_MAX;
}

/* Index of name in a sorted array, or -1. */
static int64_t stl_json_find(char *const *names, uint32_t count, const char *name)
{
    char *const *hit = bsearch(&name, names, count, sizeof *names, stl_strcmp_p);
    return hit ? hit - names : -1;
}

static ldg_err stl_json_amount(stl_json_parser *ps, const json_t *v, uint64_t *out,
                               const char *what)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) > STL_AMOUNT_MAX)
        return stl_json_fail(ps, LDG_ERR_INVALID,
                             "%s must be an integer from 0 to %llu (minor units)", what,
                             (unsigned long long)STL_AMOUNT_MAX);
    *out = (uint64_t)json_integer_value(v);
    return LDG_OK;
}

/* Participants and assets from "balances", sorted. */
static ldg_err stl_json_names(stl_json_parser *ps, json_t *balances)
{
    stl_lsm_doc *d = ps->doc;
    size_t np = json_object_size(balances), na = 0, k = 0;
    const char *key, *akey;
    json_t *v, *amount;
    if (np > STL_LSM_ACCOUNT_MAX)
        return stl_json_fail(ps, LDG_ERR_TOO_LARGE, "too many participants in \"balances\"");
    json_object_foreach(balances, key, v)
    {
        if (!stl_json_name_ok(key))
            return stl_json_fail(ps, LDG_ERR_INVALID,
                                 "participant names must be 1 to %d bytes long",
                                 STL_LSM_JSON_NAME_LEN_MAX);
        if (!json_is_object(v))
            return stl_json_fail(ps, LDG_ERR_INVALID,
                                 "balances of participant \"%s\" must be an object of asset: "
                                 "amount",
                                 key);
        na += json_object_size(v);
    }
    if (na > STL_LSM_ACCOUNT_MAX)
        return stl_json_fail(ps, LDG_ERR_TOO_LARGE, "too many balances");
    d->participants = calloc(np + 1, sizeof(char *));
    d->assets = calloc(na + 1, sizeof(char *));
    if (!d->participants || !d->assets)
        return stl_json_fail(ps, LDG_ERR_NOMEM, "out of memory");
    json_object_foreach(balances, key, v)
    {
        if (!(d->participants[d->participant_count++] = strdup(key)))
            return stl_json_fail(ps, LDG_ERR_NOMEM, "out of memory");
        json_object_foreach(v, akey, amount)
        {
            if (!stl_json_name_ok(akey))
                return stl_json_fail(ps, LDG_ERR_INVALID, "asset names must be 1 to %d bytes long",
                                     STL_LSM_JSON_NAME_LEN_MAX);
            if (!(d->assets[k++] = strdup(akey)))
                return stl_json_fail(ps, LDG_ERR_NOMEM, "out of memory");
        }
    }
    qsort(d->participants, np, sizeof(char *), stl_strcmp_p);
    qsort(d->assets, k, sizeof(char *), stl_strcmp_p);
    size_t w = 0;
    for (size_t i = 0; i < k; i++) {
        if (w > 0 && !strcmp(d->assets[w - 1], d->assets[i]))
            free(d->assets[i]);
        else
            d->assets[w++] = d->assets[i];
    }
    for (size_t i = w; i < k; i++)
        d->assets[i] = NULL;
    d->asset_count = (uint32_t)w;
    return LDG_OK;
}

static ldg_err stl_json_check_keys(stl_json_parser *ps, json_t *obj, const char *const *allowed,
                                   const char *where)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok |= !strcmp(*a, key);
        if (!ok)
            return stl_json_fail(ps, LDG_ERR_INVALID, "%s has an unknown field \"%s\"", where, key);
    }
    for (const char *const *a = allowed; *a; a++)
        if (!json_object_get(obj, *a))
            return stl_json_fail(ps, LDG_ERR_INVALID, "%s lacks the field \"%s\"", where, *a);
    return LDG_OK;
}

/* Resolves one leg's names into (participant, asset) indices and its amount. */
static ldg_err stl_json_leg(stl_json_parser *ps, json_t *leg, const char *where, int64_t *from,
                            int64_t *to, int64_t *asset, uint64_t *amount)
{
    static const char *const keys[] = {"from", "to", "asset", "amount", NULL};
    stl_lsm_doc *d = ps->doc;
    *from = *to = *asset = -1; /* defined on every path, the error paths included */
    if (!json_is_object(leg))
        return stl_json_fail(ps, LDG_ERR_INVALID, "%s must be an object", where);
    ldg_err e = stl_json_check_keys(ps, leg, keys, where);
    if (e != LDG_OK)
        return e;
    const char *f = json_string_value(json_object_get(leg, "from"));
    const char *t = json_string_value(json_object_get(leg, "to"));
    const char *a = json_string_value(json_object_get(leg, "asset"));
    if (!f || !t || !a)
        return stl_json_fail(ps, LDG_ERR_INVALID, "%s: from, to and asset must be strings", where);
    if ((*from = stl_json_find(d->participants, d->participant_count, f)) < 0)
        return stl_json_fail(ps, LDG_ERR_INVALID,
                             "%s: unknown participant \"%s\" (not in \"balances\")", where, f);
    if ((*to = stl_json_find(d->participants, d->participant_count, t)) < 0)
        return stl_json_fail(ps, LDG_ERR_INVALID,
                             "%s: unknown participant \"%s\" (not in \"balances\")", where, t);
    if ((*asset = stl_json_find(d->assets, d->asset_count, a)) < 0)
        return stl_json_fail(ps, LDG_ERR_INVALID,
                             "%s: unknown asset \"%s\" (no participant holds it in \"balances\")",
                             where, a);
    if (*from == *to)
        return stl_json_fail(ps, LDG_ERR_INVALID, "%s: from and to are the same participant",
                             where);
    char what[160];
    snprintf(what, sizeof what, "%s: amount", where);
    return stl_json_amount(ps, json_object_get(leg, "amount"), amount, what);
}

/* Shape of the instructions: ids, leg arrays, counts. */
static ldg_err stl_json_shape(stl_json_parser *ps, json_t *instrs)
{
    static const char *const keys[] = {"id", "legs", NULL};
    stl_lsm_doc *d = ps->doc;
    size_t n = json_array_size(instrs), legs = 0;
    if (n > STL_LSM_INSTR_MAX)
        return stl_json_fail(ps, LDG_ERR_TOO_LARGE, "too many instructions: %zu (the limit is %u)",
                             n, STL_LSM_INSTR_MAX);
    d->ids = calloc(n + 1, sizeof(char *));
    ps->order = calloc(n + 1, sizeof(uint32_t));
    if (!d->ids || !ps->order)
        return stl_json_fail(ps, LDG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *in = json_array_get(instrs, i);
        char where[64];
        snprintf(where, sizeof where, "instruction %zu", i + 1);
        if (!json_is_object(in))
            return stl_json_fail(ps, LDG_ERR_INVALID, "%s must be an object", where);
        ldg_err e = stl_json_check_keys(ps, in, keys, where);
        if (e != LDG_OK)
            return e;
        const char *id = json_string_value(json_object_get(in, "id"));
        if (!id || !stl_json_name_ok(id))
            return stl_json_fail(ps, LDG_ERR_INVALID, "%s: id must be a string of 1 to %d bytes",
                                 where, STL_LSM_JSON_NAME_LEN_MAX);
        size_t nl = json_array_size(json_object_get(in, "legs"));
        if (!json_is_array(json_object_get(in, "legs")) || nl == 0 || nl > STL_LSM_LEGS_MAX)
            return stl_json_fail(ps, LDG_ERR_INVALID,
                                 "instruction \"%s\": legs must be an array of 1 to %d legs", id,
                                 STL_LSM_LEGS_MAX);
        if (!(d->ids[i] = strdup(id)))
            return stl_json_fail(ps, LDG_ERR_NOMEM, "out of memory");
        legs += nl;
    }
    d->instr_count = (uint32_t)n;
    d->leg_count = (uint32_t)legs;
    return LDG_OK;
}

static int stl_json_id_cmp(const void *x, const void *y, void *ids)
{
    char **s = ids;
    return strcmp(s[*(const uint32_t *)x], s[*(const uint32_t *)y]);
}

/* Sorts instruction positions by id and rejects duplicates. */
static ldg_err stl_json_sort_ids(stl_json_parser *ps)
{
    stl_lsm_doc *d = ps->doc;
    for (uint32_t i = 0; i < d->instr_count; i++)
        ps->order[i] = i;
    qsort_r(ps->order, d->instr_count, sizeof(uint32_t), stl_json_id_cmp, d->ids);
    for (uint32_t k = 1; k < d->instr_count; k++)
        if (!strcmp(d->ids[ps->order[k]], d->ids[ps->order[k - 1]]))
            return stl_json_fail(ps, LDG_ERR_INVALID, "duplicate instruction id \"%s\"",
                                 d->ids[ps->order[k]]);
    return LDG_OK;
}

static uint32_t stl_json_account(const stl_lsm_doc *d, uint64_t *pairs, int64_t p, int64_t a)
{
    uint64_t key = (uint64_t)p << 32 | (uint64_t)a;
    uint64_t *hit = bsearch(&key, pairs, d->account_count, sizeof key, stl_u64_cmp);
    LDG_ASSERT(hit);
    return (uint32_t)(hit - pairs);
}

/* Accounts' owners and balances; pairs[] is the sorted account list. */
static ldg_err stl_json_balances(stl_json_parser *ps, json_t *balances, const uint64_t *pairs)
{
    stl_lsm_doc *d = ps->doc;
    size_t n = (size_t)d->account_count + 1;
    d->account_participant = calloc(n, sizeof(uint32_t));
    d->account_asset = calloc(n, sizeof(uint32_t));
    d->balances = calloc(n, sizeof(uint64_t));
    if (!d->account_participant || !d->account_asset || !d->balances)
        return stl_json_fail(ps, LDG_ERR_NOMEM, "out of memory");
    for (uint32_t k = 0; k < d->account_count; k++) {
        d->account_participant[k] = (uint32_t)(pairs[k] >> 32);
        d->account_asset[k] = (uint32_t)pairs[k];
    }
    const char *key, *akey;
    json_t *v, *amount;
    json_object_foreach(balances, key, v)
    {
        int64_t p = stl_json_find(d->participants, d->participant_count, key);
        json_object_foreach(v, akey, amount)
        {
            int64_t a = stl_json_find(d->assets, d->asset_count, akey);
            char what[160];
            snprintf(what, sizeof what, "balance of \"%s\" in \"%s\"", key, akey);
            ldg_err e = stl_json_amount(
                ps, amount, &d->balances[stl_json_account(d, (uint64_t *)pairs, p, a)], what);
            if (e != LDG_OK)
                return e;
        }
    }
    return LDG_OK;
}

/* Legs into a temporary list of (participant, asset) pairs, then accounts, then legs. */
static ldg_err stl_json_accounts(stl_json_parser *ps, json_t *balances, json_t *instrs)
{
    stl_lsm_doc *d = ps->doc;
    size_t cap = json_object_size(balances) * d->asset_count + 2 * (size_t)d->leg_count + 1;
    uint64_t *pairs = calloc(cap, sizeof *pairs);
    uint64_t *amounts = calloc((size_t)d->leg_count + 1, sizeof *amounts);
    d->legs = calloc((size_t)d->leg_count + 1, sizeof *d->legs);
    d->instrs = calloc((size_t)d->instr_count + 1, sizeof *d->instrs);
    if (!pairs || !amounts || !d->legs || !d->instrs) {
        free(pairs);
        free(amounts);
        return stl_json_fail(ps, LDG_ERR_NOMEM, "out of memory");
    }
    size_t np = 0;
    uint32_t l = 0;
    ldg_err e = LDG_OK;
    const char *key, *akey;
    json_t *v, *amount;
    json_object_foreach(balances, key, v)
    {
        int64_t p = stl_json_find(d->participants, d->participant_count, key);
        json_object_foreach(v, akey, amount)
        {
            pairs[np++] =
                (uint64_t)p << 32 | (uint64_t)stl_json_find(d->assets, d->asset_count, akey);
        }
    }
    for (uint32_t k = 0; k < d->instr_count && e == LDG_OK; k++) {
        uint32_t pos = ps->order[k];
        json_t *legs = json_object_get(json_array_get(instrs, pos), "legs");
        d->instrs[k] = (stl_lsm_instr){
            .id = pos, .leg_first = l, .leg_count = (uint32_t)json_array_size(legs)};
        for (size_t j = 0; j < json_array_size(legs) && e == LDG_OK; j++, l++) {
            char where[128];
            int64_t f, t, a;
            snprintf(where, sizeof where, "instruction \"%s\", leg %zu", d->ids[pos], j + 1);
            e = stl_json_leg(ps, json_array_get(legs, j), where, &f, &t, &a, &amounts[l]);
            if (e != LDG_OK)
                break;
            pairs[np++] = (uint64_t)f << 32 | (uint64_t)a;
            pairs[np++] = (uint64_t)t << 32 | (uint64_t)a;
            d->legs[l] =
                (stl_lsm_leg){.from = (uint32_t)f, .to = (uint32_t)t, .amount = amounts[l]};
        }
    }
    if (e == LDG_OK) {
        qsort(pairs, np, sizeof *pairs, stl_u64_cmp);
        size_t w = 0;
        for (size_t i = 0; i < np; i++)
            if (w == 0 || pairs[w - 1] != pairs[i])
                pairs[w++] = pairs[i];
        d->account_count = (uint32_t)w;
        /* Leg endpoints so far are participant indices; turn them into accounts. */
        for (uint32_t k = 0; k < d->instr_count; k++) {
            json_t *legs = json_object_get(json_array_get(instrs, d->instrs[k].id), "legs");
            for (uint32_t j = 0; j < d->instrs[k].leg_count; j++) {
                stl_lsm_leg *g = &d->legs[d->instrs[k].leg_first + j];
                int64_t a = stl_json_find(
                    d->assets, d->asset_count,
                    json_string_value(json_object_get(json_array_get(legs, j), "asset")));
                g->from = stl_json_account(d, pairs, g->from, a);
                g->to = stl_json_account(d, pairs, g->to, a);
            }
        }
        e = stl_json_balances(ps, balances, pairs);
    }
    free(pairs);
    free(amounts);
    return e;
}

static ldg_err stl_json_document(stl_json_parser *ps, json_t *root)
{
    static const char *const keys[] = {"balances", "instructions", NULL};
    if (!json_is_object(root))
        return stl_json_fail(ps, LDG_ERR_INVALID, "the input must be a JSON object");
    ldg_err e = stl_json_check_keys(ps, root, keys, "the input");
    if (e != LDG_OK)
        return e;
    json_t *balances = json_object_get(root, "balances");
    json_t *instrs = json_object_get(root, "instructions");
    if (!json_is_object(balances))
        return stl_json_fail(ps, LDG_ERR_INVALID,
                             "\"balances\" must be an object of participant: {asset: amount}");
    if (!json_is_array(instrs))
        return stl_json_fail(ps, LDG_ERR_INVALID, "\"instructions\" must be an array");
    if ((e = stl_json_names(ps, balances)) != LDG_OK ||
        (e = stl_json_shape(ps, instrs)) != LDG_OK || (e = stl_json_sort_ids(ps)) != LDG_OK ||
        (e = stl_json_accounts(ps, balances, instrs)) != LDG_OK)
        return e;
    if (ps->doc->account_count > STL_LSM_ACCOUNT_MAX)
        return stl_json_fail(ps, LDG_ERR_TOO_LARGE, "too many accounts");
    return LDG_OK;
}

ldg_err stl_lsm_doc_parse(stl_lsm_doc *doc, char *err, size_t err_len, const char *text, size_t len)
{
    LDG_ASSERT(doc && err && err_len > 0 && (text || len == 0));
    memset(doc, 0, sizeof *doc);
    err[0] = 0;
    stl_json_parser ps = {.doc = doc, .err = err, .err_len = err_len};
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    ldg_err e;
    if (!root)
        e = stl_json_fail(&ps, LDG_ERR_DECODE,
                          "the input is not valid JSON: %s (line %d, column %d)", je.text, je.line,
                          je.column);
    else
        e = stl_json_document(&ps, root);
    json_decref(root);
    free(ps.order);
    if (e != LDG_OK) {
        stl_lsm_doc_free(doc);
        return e;
    }
    doc->problem = (stl_lsm_problem){.balances = doc->balances,
                                     .account_count = doc->account_count,
                                     .instrs = doc->instrs,
                                     .instr_count = doc->instr_count,
                                     .legs = doc->legs,
                                     .leg_count = doc->leg_count};
    return LDG_OK;
}

/* Name arrays are calloc'd with one spare slot and filled in order: NULL ends them. */
static void stl_free_names(char **names)
{
    for (size_t i = 0; names && names[i]; i++)
        free(names[i]);
    free(names);
}

void stl_lsm_doc_free(stl_lsm_doc *doc)
{
    stl_free_names(doc->participants);
    stl_free_names(doc->assets);
    stl_free_names(doc->ids);
    free(doc->account_participant);
    free(doc->account_asset);
    free(doc->balances);
    free(doc->instrs);
    free(doc->legs);
    memset(doc, 0, sizeof *doc);
}
