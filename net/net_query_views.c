/* The views of each role (net_query_views.h): account history, control list, investor
 * list. */
#include "net_query_views.h"
#include "ast_action.h"
#include "ast_date.h"
#include "ast_history.h"
#include "ast_rules.h"

#include "net_reply.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define error_json net_reply_error

static char *dump(json_t *j, int *status)
{
    return net_reply_dump(j, JSON_COMPACT | JSON_PRESERVE_ORDER, status);
}

static json_t *hex_json(const uint8_t *b, size_t n)
{
    char buf[2 * 32 + 1];
    LDG_ASSERT(n <= 32);
    ldg_hex_encode(buf, b, n);
    return json_string(buf);
}

/* A party {"account", "name"}; the corporate-action escrow is named "escrow". */
static json_t *party_json(ldg_state *st, const ldg_account *a)
{
    char hex[LDG_ACCOUNT_HEX_LEN];
    ldg_account_hex(hex, a);
    ldg_participant p;
    bool found = false;
    if (ldg_participant_get(st, a, &p, &found) != LDG_OK || !found)
        snprintf(p.name, sizeof p.name, "%s",
                 memcmp(a->b, ast_escrow_account.b, LDG_ACCOUNT_LEN) ? "" : "escrow");
    return json_pack("{s:s,s:o}", "account", hex, "name", net_json_text(p.name, strlen(p.name)));
}

static void set_when(json_t *j, uint64_t height, uint64_t time_ms)
{
    json_object_set_new(j, "height", json_integer((json_int_t)height));
    net_json_time(j, "time", time_ms);
}

static json_t *date_json(int64_t days)
{
    char s[AST_DATE_STR_SIZE];
    ast_date d = {(int32_t)days};
    if (!ast_date_is_valid(d))
        return json_string("?");
    ast_date_format(s, sizeof s, d);
    return json_string(s);
}

/* Name or 40-hex -> account. */
static bool resolve(ldg_state *st, const char *who, ldg_account *out)
{
    ldg_participant p;
    bool found = false;
    if (ldg_participant_by_name(st, who, &p, &found) == LDG_OK && found) {
        *out = p.account;
        return true;
    }
    return strlen(who) == 2 * LDG_ACCOUNT_LEN && ldg_account_parse(out, who) == 0;
}

/* The last instrument looked up: rows of a page mostly share a few. */
typedef struct asset_cache {
    char id[AST_ID_LEN + 1];
    bool found;
    ast_asset a;
} asset_cache;

static const ast_asset *cached_asset(ldg_state *st, asset_cache *c, const char *id)
{
    if (strcmp(c->id, id) != 0) {
        snprintf(c->id, sizeof c->id, "%s", id);
        if (ast_asset_get(st, id, &c->a, &c->found) != LDG_OK)
            c->found = false;
    }
    return c->found ? &c->a : NULL;
}

/* A quantity as every reply gives it (specs/money.md §4): the integer at KEY, and for cash
 * the money object at KEY_money too. */
static void set_quantity(json_t *j, const char *key, const ast_asset *a, uint64_t q)
{
    json_object_set_new(j, key, json_integer((json_int_t)q));
    if (!a || a->kind != AST_KIND_CASH)
        return;
    char mkey[32];
    snprintf(mkey, sizeof mkey, "%s_money", key);
    json_object_set_new(j, mkey, net_json_money((int64_t)q, a->currency));
}

static const char *kind_name(const ast_asset *a)
{
    return !a                           ? "unknown"
           : a->kind == AST_KIND_EQUITY ? "equity"
           : a->kind == AST_KIND_BOND   ? "bond"
           : a->kind == AST_KIND_CASH   ? "cash"
                                        : "unknown";
}

static void put_be(uint8_t *out, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        out[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

/* ---- history ---- */

enum { POS_LEN = 12 }; /* be64(height) || be32(seq) after an index prefix */

typedef struct history_scan {
    net_node *n;
    ldg_state *st;
    size_t plen;
    uint64_t stop_height; /* rows at or above it are after --to */
    uint64_t limit, rows;
    bool more;
    uint8_t last[POS_LEN];
    json_t *arr;
    asset_cache cache;
    ldg_err err;
} history_scan;

static json_t *tx_ref_json(net_node *n, const ldg_note_origin *o)
{
    if (!o->in_tx)
        return json_null();
    char id[2 * LDG_HASH_LEN + 1];
    ldg_hex_encode(id, o->txid.b, LDG_HASH_LEN);
    const ldg_tx_type *t = ldg_registry_find(n->reg, o->type);
    return json_pack("{s:s,s:I,s:s}", "id", id, "index", (json_int_t)o->index, "type",
                     t ? t->name : "unknown");
}

static json_t *movement_json(history_scan *s, const ldg_note_row *r, const ast_movement *m)
{
    const ast_asset *a = cached_asset(s->st, &s->cache, m->id);
    json_t *j = json_object();
    set_when(j, r->height, r->time_ms);
    json_object_set_new(j, "seq", json_integer(r->seq));
    json_object_set_new(j, "id", json_string(m->id));
    json_object_set_new(j, "kind", json_string(kind_name(a)));
    json_object_set_new(j, "scale", json_integer(a ? (json_int_t)a->scale : 0));
    json_object_set_new(j, "reason", json_string(ast_why_name(m->reason)));
    json_object_set_new(j, "direction", json_string(m->in ? "in" : "out"));
    set_quantity(j, "quantity", a, m->in ? m->in : m->out);
    set_quantity(j, "balance", a, m->balance);
    json_object_set_new(j, "counterparty",
                        m->has_counterparty ? party_json(s->st, &m->counterparty) : json_null());
    json_object_set_new(j, "tx", tx_ref_json(s->n, &r->origin));
    if (m->ref)
        json_object_set_new(j, m->reason == AST_WHY_FORCED_TRANSFER ? "proposal" : "action",
                            json_integer((json_int_t)m->ref));
    return j;
}

static bool collect_movement(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    history_scan *s = arg;
    if (kl != s->plen + POS_LEN)
        return true;
    const uint8_t *pos = k + s->plen;
    if (get_be(pos, 8) >= s->stop_height)
        return false;
    if (s->rows == s->limit) {
        s->more = true;
        return false;
    }
    ldg_note_row r;
    ast_movement m;
    if (!ldg_note_row_parse(v, vl, &r) || ast_movement_decode(r.val, r.vlen, &m) != LDG_OK) {
        s->err = LDG_ERR_CORRUPT;
        return false;
    }
    json_array_append_new(s->arr, movement_json(s, &r, &m));
    memcpy(s->last, pos, POS_LEN);
    s->rows++;
    return true;
}

/* A decimal of 1..20 digits only (no sign, no space, as sscanf would take) into *v. */
static const char *decimal(const char *p, uint64_t *v)
{
    const char *start = p;
    *v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (*v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return NULL;
        *v = *v * 10 + (uint64_t)(*p - '0');
    }
    return p == start ? NULL : p;
}

/* "<height>:<seq>" -> the position just after it (none after the last one there can be). */
static bool history_cursor(const char *text, uint8_t start[POS_LEN])
{
    uint64_t h, seq;
    const char *p = decimal(text, &h);
    if (!p || *p != ':' || !(p = decimal(p + 1, &seq)) || *p || seq > UINT32_MAX ||
        (h == UINT64_MAX && seq == UINT32_MAX))
        return false;
    if (seq == UINT32_MAX) {
        h++;
        seq = 0;
    } else {
        seq++;
    }
    put_be(start, h, 8);
    put_be(start + 8, seq, 4);
    return true;
}

typedef struct history_args {
    ldg_account who;
    char isin[AST_ID_LEN + 1];
    uint64_t from_ms, to_ms;
    net_page page;
    char after[LDG_QUERY_CURSOR_MAX + 1];
} history_args;

/* history WHO ISIN FROM_MS TO_MS [AFTER [LIMIT]]: ISIN "" for every instrument; FROM_MS
 * and TO_MS (inclusive) 0 for no bound. */
static bool history_parse(ldg_state *st, const msgpack_object *args, uint32_t nargs,
                          history_args *h)
{
    char who[LDG_NAME_LEN_MAX + 1];
    memset(h, 0, sizeof *h);
    return nargs >= 4 && ldg_obj_str(&args[0], who, LDG_NAME_LEN_MAX, false) &&
           resolve(st, who, &h->who) && ldg_obj_str(&args[1], h->isin, AST_ID_LEN, true) &&
           ldg_obj_u64(&args[2], &h->from_ms) && ldg_obj_u64(&args[3], &h->to_ms) &&
           net_page_args(&h->page, h->after, args, nargs, 4);
}

static char *m_history(net_node *n, ldg_state *st, const msgpack_object *args, uint32_t nargs,
                       int *status)
{
    history_args h;
    uint8_t prefix[1 + LDG_ACCOUNT_LEN + AST_ID_LEN], start[sizeof prefix + POS_LEN] = {0};
    if (!history_parse(st, args, nargs, &h))
        return error_json(status, LDG_ERR_INVALID,
                          "history takes an account (a participant name or 40 hex), an "
                          "instrument id (\"\" for all), from and to times in ms (0: none), "
                          "then a cursor \"<height>:<seq>\" and a limit (1..%d)",
                          LDG_QUERY_PAGE_MAX);
    if (!ldg_chain_index_ready(n->chain))
        return error_json(status, LDG_ERR_UNAVAILABLE,
                          "this node's history index is not built (see the node's log); "
                          "restart the node to rebuild it");
    size_t plen = h.isin[0] ? ast_history_prefix_instrument(prefix, &h.who, h.isin)
                            : ast_history_prefix_account(prefix, &h.who);
    memcpy(start, prefix, plen);
    uint8_t from[POS_LEN] = {0}, cur[POS_LEN] = {0};
    uint64_t from_h = 0, stop_h = UINT64_MAX;
    if ((h.from_ms && ldg_chain_height_at(n->chain, h.from_ms, &from_h) != LDG_OK) ||
        (h.to_ms && h.to_ms < UINT64_MAX &&
         ldg_chain_height_at(n->chain, h.to_ms + 1, &stop_h) != LDG_OK))
        return error_json(status, LDG_ERR_IO, "cannot read the history index");
    put_be(from, from_h, 8);
    if (h.page.has_after && !history_cursor(h.after, cur))
        return error_json(status, LDG_ERR_INVALID, "the cursor is \"<height>:<seq>\"");
    memcpy(start + plen, memcmp(cur, from, POS_LEN) > 0 ? cur : from, POS_LEN);
    history_scan s = {.n = n,
                      .st = st,
                      .plen = plen,
                      .stop_height = stop_h,
                      .limit = h.page.limit,
                      .arr = json_array()};
    ldg_err err =
        ldg_chain_index_scan(n->chain, prefix, plen, start, plen + POS_LEN, collect_movement, &s);
    if (err == LDG_OK)
        err = s.err;
    if (err != LDG_OK) {
        json_decref(s.arr);
        return error_json(status, err, "cannot read the history index");
    }
    json_t *j = json_pack("{s:o,s:s,s:o}", "account", party_json(st, &h.who), "id", h.isin,
                          "movements", s.arr);
    if (s.more) {
        char next[48];
        snprintf(next, sizeof next, "%llu:%llu", (unsigned long long)get_be(s.last, 8),
                 (unsigned long long)get_be(s.last + 8, 4));
        json_object_set_new(j, "next", json_string(next));
    }
    return dump(j, status);
}

/* ---- statement ---- */

/* Each movement records the holding after it (ast_movement.balance), so the holding of an
 * instrument as of height H is the balance of its last movement at or before H: one seek
 * backwards per instrument, whatever the length of the history. Instruments are the
 * distinct ids under the account's 'i' prefix, visited in id order. */
enum { ID_KEY_LEN = 1 + LDG_ACCOUNT_LEN + AST_ID_LEN, ROW_KEY_LEN = ID_KEY_LEN + POS_LEN };

typedef struct first_key {
    uint8_t key[ROW_KEY_LEN];
    bool found;
} first_key;

static bool take_first(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v;
    (void)vl;
    first_key *f = arg;
    if (kl != ROW_KEY_LEN) /* not a movement row: skip it */
        return true;
    memcpy(f->key, k, kl);
    f->found = true;
    return false;
}

typedef struct last_row {
    bool found;
    uint64_t height;
    ast_movement m;
    ldg_err err;
} last_row;

static bool take_last(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    last_row *l = arg;
    ldg_note_row r;
    if (kl != ROW_KEY_LEN)
        return true;
    if (!ldg_note_row_parse(v, vl, &r) || ast_movement_decode(r.val, r.vlen, &l->m) != LDG_OK) {
        l->err = LDG_ERR_CORRUPT;
        return false;
    }
    l->height = r.height;
    l->found = true;
    return false;
}

typedef struct statement_scan {
    net_node *n;
    ldg_state *st;
    ldg_account who;
    uint64_t height, limit, rows, read;
    bool more;
    char last[AST_ID_LEN + 1];
    json_t *arr;
} statement_scan;

static void statement_row(statement_scan *s, const last_row *l)
{
    ast_asset a;
    bool found = false;
    if (ast_asset_get(s->st, l->m.id, &a, &found) != LDG_OK)
        found = false;
    json_t *j = json_pack("{s:s,s:s,s:o}", "id", l->m.id, "kind", kind_name(found ? &a : NULL),
                          "name", found ? net_json_text(a.name, strlen(a.name)) : json_string(""));
    json_object_set_new(j, "scale", json_integer(found ? (json_int_t)a.scale : 0));
    set_quantity(j, "quantity", found ? &a : NULL, l->m.balance);
    json_object_set_new(j, "last_movement_height", json_integer((json_int_t)l->height));
    json_array_append_new(s->arr, j);
    s->rows++;
}

/* Visits instruments from the one at start on; each found holding non-zero at s->height is a
 * row. Stops at a full page or the reading budget (more follows, from s->last). */
static ldg_err statement_scan_from(statement_scan *s, uint8_t start[ROW_KEY_LEN])
{
    uint8_t prefix[1 + LDG_ACCOUNT_LEN];
    size_t plen = ast_history_prefix_account(prefix, &s->who);
    prefix[0] = AST_HISTORY_KEY_INSTRUMENT;
    for (;;) {
        first_key f = {0};
        ldg_err err =
            ldg_chain_index_scan(s->n->chain, prefix, plen, start, ROW_KEY_LEN, take_first, &f);
        if (err != LDG_OK || !f.found)
            return err;
        if (s->rows == s->limit || s->read++ == LDG_QUERY_SKIP_MAX) {
            s->more = true;
            return LDG_OK;
        }
        last_row l = {0};
        memcpy(start, f.key, ID_KEY_LEN); /* bound: this instrument at s->height, last seq */
        put_be(start + ID_KEY_LEN, s->height, 8);
        put_be(start + ID_KEY_LEN + 8, UINT32_MAX, 4);
        err = ldg_chain_index_scan_back(s->n->chain, f.key, ID_KEY_LEN, start, ROW_KEY_LEN,
                                        take_last, &l);
        if (err == LDG_OK)
            err = l.err;
        if (err != LDG_OK)
            return err;
        memcpy(s->last, f.key + 1 + LDG_ACCOUNT_LEN, AST_ID_LEN);
        s->last[AST_ID_LEN] = '\0';
        if (l.found && l.m.balance)
            statement_row(s, &l);
        memset(start + ID_KEY_LEN, 0xff, POS_LEN); /* past every row of this instrument */
    }
}

/* The height a statement is as of: HEIGHT, or the last block at or before TIME_MS. */
static bool statement_height(net_node *n, const msgpack_object *args, uint64_t *h, int *status,
                             char **out)
{
    uint64_t tip = ldg_chain_tip(n->chain).height, t;
    bool by_height = args[1].type != MSGPACK_OBJECT_NIL;
    if (by_height == (args[2].type != MSGPACK_OBJECT_NIL) ||
        !ldg_obj_u64(&args[by_height ? 1 : 2], by_height ? h : &t)) {
        *out = error_json(status, LDG_ERR_INVALID,
                          "statement takes a height or a time in ms (the other nil)");
        return false;
    }
    if (!by_height) {
        uint64_t first_after;
        if (ldg_chain_height_at(n->chain, t == UINT64_MAX ? t : t + 1, &first_after) != LDG_OK) {
            *out = error_json(status, LDG_ERR_IO, "cannot read the history index");
            return false;
        }
        if (first_after == 0) {
            *out = error_json(status, LDG_ERR_NOT_FOUND, "no block is at or before that time");
            return false;
        }
        *h = first_after - 1;
    }
    if (*h > tip) {
        *out = error_json(status, LDG_ERR_NOT_FOUND, "height %llu is above the tip (%llu)",
                          (unsigned long long)*h, (unsigned long long)tip);
        return false;
    }
    return true;
}

/* statement WHO HEIGHT TIME_MS [AFTER [LIMIT]]: HEIGHT or TIME_MS nil; the cursor is an id. */
static char *m_statement(net_node *n, ldg_state *st, const msgpack_object *args, uint32_t nargs,
                         int *status)
{
    char who[LDG_NAME_LEN_MAX + 1], after[LDG_QUERY_CURSOR_MAX + 1];
    net_page page;
    statement_scan s = {.n = n, .st = st};
    uint8_t start[ROW_KEY_LEN] = {0};
    if (nargs < 3 || !ldg_obj_str(&args[0], who, LDG_NAME_LEN_MAX, false) ||
        !resolve(st, who, &s.who) || !net_page_args(&page, after, args, nargs, 3) ||
        (page.has_after && (strlen(after) > AST_ID_LEN || !after[0])))
        return error_json(status, LDG_ERR_INVALID,
                          "statement takes an account (a participant name or 40 hex), a height "
                          "or a time in ms (the other nil), then a cursor (an instrument id) "
                          "and a limit (1..%d)",
                          LDG_QUERY_PAGE_MAX);
    char *out = NULL;
    if (!ldg_chain_index_ready(n->chain))
        return error_json(status, LDG_ERR_UNAVAILABLE,
                          "this node's history index is not built (see the node's log); "
                          "restart the node to rebuild it");
    if (!statement_height(n, args, &s.height, status, &out))
        return out;
    ast_history_prefix_account(start, &s.who);
    start[0] = AST_HISTORY_KEY_INSTRUMENT;
    if (page.has_after) { /* just past every row of the cursor's instrument */
        LDG_ASSERT(ast_id_key(start + 1 + LDG_ACCOUNT_LEN, after));
        memset(start + ID_KEY_LEN, 0xff, POS_LEN);
    }
    s.limit = page.limit;
    s.arr = json_array();
    ldg_err err = statement_scan_from(&s, start);
    if (err != LDG_OK) {
        json_decref(s.arr);
        return error_json(status, err, "cannot read the history index");
    }
    uint64_t t = 0;
    json_t *j = json_pack("{s:o}", "account", party_json(st, &s.who));
    set_when(j, s.height, ldg_chain_block_time(n->chain, s.height, &t) == LDG_OK ? t : 0);
    json_object_set_new(j, "holdings", s.arr);
    if (s.more)
        json_object_set_new(j, "next", json_string(s.last));
    return dump(j, status);
}

/* ---- controls ---- */

typedef struct control_scan {
    net_node *n;
    ldg_state *st;
    bool has_account;
    ldg_account account;
    char isin[AST_ID_LEN + 1];
    uint64_t limit, rows, read;
    bool more;
    char last[LDG_QUERY_CURSOR_MAX + 1]; /* the cursor of the last row read or taken */
    json_t *arr;
    asset_cache cache;
    ldg_err err;
} control_scan;

/* Counts a row read; false once the page's reading budget is spent (more follows). */
static bool control_budget(control_scan *s)
{
    if (s->read++ < LDG_QUERY_SKIP_MAX)
        return true;
    s->more = true;
    return false;
}

/* A page is full: the row is not taken, the cursor stays at the last one taken. */
static bool control_full(control_scan *s)
{
    if (s->rows < s->limit)
        return false;
    s->more = true;
    return true;
}

static void placed_by(control_scan *s, json_t *j, const char *id, const ldg_account *acct)
{
    uint8_t key[1 + AST_ID_LEN + LDG_ACCOUNT_LEN], *v = NULL;
    size_t vl;
    ldg_note_row r;
    ast_control_event ev;
    size_t kl = ast_history_key_freeze(key, id, acct);
    if (ldg_chain_index_get(s->n->chain, key, kl, &v, &vl) != LDG_OK ||
        !ldg_note_row_parse(v, vl, &r) || ast_control_decode(r.val, r.vlen, &ev) != LDG_OK) {
        free(v);
        json_object_set_new(j, "placed_by", json_null());
        return;
    }
    json_object_set_new(j, "placed_by", party_json(s->st, &ev.regulator));
    json_object_set_new(j, "placed_order", hex_json(ev.order, 32));
    set_when(j, r.height, r.time_ms);
    free(v);
}

static bool collect_freeze(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    control_scan *s = arg;
    if (kl != 2 + AST_ID_LEN + LDG_ACCOUNT_LEN)
        return true;
    char id[AST_ID_LEN + 1] = {0}, hex[LDG_ACCOUNT_HEX_LEN];
    memcpy(id, k + 2, AST_ID_LEN);
    ldg_account acct;
    memcpy(acct.b, k + 2 + AST_ID_LEN, LDG_ACCOUNT_LEN);
    bool match = !s->has_account || !memcmp(acct.b, s->account.b, LDG_ACCOUNT_LEN);
    if ((match && control_full(s)) || !control_budget(s))
        return false;
    ldg_account_hex(hex, &acct);
    snprintf(s->last, sizeof s->last, "F:%s:%s", id, hex);
    if (!match)
        return true;
    uint64_t qty;
    uint8_t order[32];
    if (ast_frozen_decode(v, vl, &qty, order) != LDG_OK) {
        s->err = LDG_ERR_CORRUPT;
        return false;
    }
    json_t *j = json_pack("{s:s,s:s,s:o}", "kind", "freeze", "isin", id, "account",
                          party_json(s->st, &acct));
    set_quantity(j, "quantity", cached_asset(s->st, &s->cache, id), qty);
    json_object_set_new(j, "order", hex_json(order, 32));
    placed_by(s, j, id, &acct);
    json_array_append_new(s->arr, j);
    s->rows++;
    return true;
}

static bool proposal_matches(const control_scan *s, const ast_proposal *p)
{
    return p->status == AST_PROPOSAL_PENDING && (!s->isin[0] || !strcmp(s->isin, p->isin)) &&
           (!s->has_account || !memcmp(p->from.b, s->account.b, LDG_ACCOUNT_LEN) ||
            !memcmp(p->to.b, s->account.b, LDG_ACCOUNT_LEN));
}

static bool collect_proposal(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    control_scan *s = arg;
    if (kl != 10)
        return true;
    ast_proposal p;
    if (ast_proposal_decode(v, vl, &p) != LDG_OK) {
        s->err = LDG_ERR_CORRUPT;
        return false;
    }
    uint64_t id = get_be(k + 2, 8);
    bool match = proposal_matches(s, &p);
    if ((match && control_full(s)) || !control_budget(s))
        return false;
    snprintf(s->last, sizeof s->last, "P:%llu", (unsigned long long)id);
    if (!match)
        return true;
    uint64_t t = 0;
    json_t *j =
        json_pack("{s:s,s:I,s:s}", "kind", "force_transfer", "id", (json_int_t)id, "isin", p.isin);
    set_quantity(j, "quantity", cached_asset(s->st, &s->cache, p.isin), p.qty);
    json_object_set_new(j, "from", party_json(s->st, &p.from));
    json_object_set_new(j, "to", party_json(s->st, &p.to));
    json_object_set_new(j, "order", hex_json(p.order, 32));
    json_object_set_new(j, "requested_by", party_json(s->st, &p.proposer));
    if (ldg_chain_block_time(s->n->chain, p.height, &t) == LDG_OK)
        set_when(j, p.height, t);
    else
        json_object_set_new(j, "height", json_integer((json_int_t)p.height));
    json_array_append_new(s->arr, j);
    s->rows++;
    return true;
}

/* Where a controls page starts: freezes ("F:ISIN:ACCOUNT") come before pending force
 * transfers ("P:ID"), each in key order. */
typedef struct control_start {
    bool in_proposals;
    uint8_t key[2 + AST_ID_LEN + LDG_ACCOUNT_LEN + 1];
    size_t klen;
} control_start;

static bool control_cursor(const char *text, control_start *c)
{
    memset(c, 0, sizeof *c);
    char id[AST_ID_LEN + 2], hex[2 * LDG_ACCOUNT_LEN + 2], tail;
    uint64_t pid;
    ldg_account a;
    const char *end = !strncmp(text, "P:", 2) ? decimal(text + 2, &pid) : NULL;
    if (end && !*end) {
        c->in_proposals = true;
        c->key[0] = AST_KEY_NS;
        c->key[1] = 'P';
        put_be(c->key + 2, pid, 8);
        c->key[10] = 0; /* just after the id: start at the next one */
        c->klen = 11;
        return true;
    }
    if (sscanf(text, "F:%12[A-Z0-9]:%40[0-9a-f]%c", id, hex, &tail) != 2 ||
        ldg_account_parse(&a, hex) != 0)
        return false;
    c->key[0] = AST_KEY_NS;
    c->key[1] = 'F';
    LDG_ASSERT(ast_id_key(c->key + 2, id));
    memcpy(c->key + 2 + AST_ID_LEN, a.b, LDG_ACCOUNT_LEN);
    c->klen = 2 + AST_ID_LEN + LDG_ACCOUNT_LEN + 1; /* a trailing 0: after this key */
    return true;
}

static ldg_err controls_scan(control_scan *s, const control_start *c, bool has_start)
{
    uint8_t fprefix[2 + AST_ID_LEN] = {AST_KEY_NS, 'F'};
    size_t fplen = 2;
    if (s->isin[0] && ast_id_key(fprefix + 2, s->isin))
        fplen += AST_ID_LEN;
    ldg_err err = LDG_OK;
    int past = has_start && !c->in_proposals ? memcmp(c->key, fprefix, fplen) : -1;
    if (past <= 0 && !(has_start && c->in_proposals)) {
        bool from_cursor = past == 0; /* else the cursor is before this instrument */
        /* Key order scan of the committed state; the reader's overlay is empty. */
        err = ldg_store_scan_from(ldg_chain_store(s->n->chain), LDG_CF_STATE, fprefix, fplen,
                                  from_cursor ? c->key : fprefix, from_cursor ? c->klen : fplen,
                                  collect_freeze, s);
        if (err == LDG_OK)
            err = s->err;
    }
    if (err != LDG_OK || s->more)
        return err;
    uint8_t pprefix[2] = {AST_KEY_NS, 'P'};
    bool from_cursor = has_start && c->in_proposals;
    err = ldg_store_scan_from(ldg_chain_store(s->n->chain), LDG_CF_STATE, pprefix, 2,
                              from_cursor ? c->key : pprefix, from_cursor ? c->klen : 2,
                              collect_proposal, s);
    return err == LDG_OK ? s->err : err;
}

/* controls ISIN ACCOUNT [AFTER [LIMIT]]: "" for every instrument / account. */
static char *m_controls(net_node *n, ldg_state *st, const msgpack_object *args, uint32_t nargs,
                        int *status)
{
    control_scan s = {.n = n, .st = st};
    char who[LDG_NAME_LEN_MAX + 1], after[LDG_QUERY_CURSOR_MAX + 1];
    net_page page;
    control_start start;
    if (nargs < 2 || !ldg_obj_str(&args[0], s.isin, AST_ID_LEN, true) ||
        !ldg_obj_str(&args[1], who, LDG_NAME_LEN_MAX, true) ||
        !net_page_args(&page, after, args, nargs, 2) ||
        (page.has_after && !control_cursor(after, &start)))
        return error_json(status, LDG_ERR_INVALID,
                          "controls takes an instrument id and an account (\"\" for all), then "
                          "a cursor (\"F:ISIN:ACCOUNT\" or \"P:ID\") and a limit (1..%d)",
                          LDG_QUERY_PAGE_MAX);
    if (who[0] && !(s.has_account = resolve(st, who, &s.account)))
        return error_json(status, LDG_ERR_NOT_FOUND, "no participant or account '%s'", who);
    s.limit = page.limit;
    s.arr = json_array();
    ldg_err err = controls_scan(&s, &start, page.has_after);
    if (err != LDG_OK) {
        json_decref(s.arr);
        return error_json(status, err, "cannot read the controls");
    }
    json_t *j = json_pack("{s:o}", "controls", s.arr);
    if (s.more)
        json_object_set_new(j, "next", json_string(s.last));
    return dump(j, status);
}

/* ---- investors ---- */

typedef struct investor_scan {
    ldg_state *st;
    bool has_before;
    int64_t before_days, today;
    uint64_t category, risk_class; /* 0: any */
    uint64_t limit, rows, read;
    bool more;
    ldg_account last;
    json_t *arr;
    ldg_err err;
} investor_scan;

static bool collect_investor(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    investor_scan *s = arg;
    if (kl != 2 + LDG_ACCOUNT_LEN)
        return true;
    ast_investor inv;
    if (ast_investor_decode(v, vl, &inv) != LDG_OK) {
        s->err = LDG_ERR_CORRUPT;
        return false;
    }
    bool match = (!s->has_before || inv.kyc_expiry_days < s->before_days) &&
                 (!s->category || inv.category == s->category) &&
                 (!s->risk_class || inv.risk_class == s->risk_class);
    if (match && s->rows == s->limit) {
        s->more = true;
        return false;
    }
    if (s->read++ == LDG_QUERY_SKIP_MAX) {
        s->more = true;
        return false;
    }
    memcpy(s->last.b, k + 2, LDG_ACCOUNT_LEN);
    if (!match)
        return true;
    char cls[8];
    snprintf(cls, sizeof cls, "C%u", (unsigned)inv.risk_class);
    json_t *j = party_json(s->st, &s->last);
    json_object_set_new(
        j, "category",
        json_string(inv.category == AST_INVESTOR_PROFESSIONAL ? "professional" : "ordinary"));
    json_object_set_new(j, "risk_class", json_string(cls));
    json_object_set_new(j, "kyc_expiry", date_json(inv.kyc_expiry_days));
    json_object_set_new(j, "kyc_expired", json_boolean(inv.kyc_expiry_days < s->today));
    json_object_set_new(j, "registered_height", json_integer((json_int_t)inv.height));
    json_array_append_new(s->arr, j);
    s->rows++;
    return true;
}

static bool investor_filters(investor_scan *s, const msgpack_object *args)
{
    char cat[16];
    if (args[0].type != MSGPACK_OBJECT_NIL) {
        if (!ldg_obj_i64(&args[0], &s->before_days))
            return false;
        s->has_before = true;
    }
    if (!ldg_obj_str(&args[1], cat, sizeof cat - 1, true) ||
        !ldg_obj_u64(&args[2], &s->risk_class) || s->risk_class > 5)
        return false;
    s->category = !cat[0]                        ? 0
                  : !strcmp(cat, "professional") ? AST_INVESTOR_PROFESSIONAL
                  : !strcmp(cat, "ordinary")     ? AST_INVESTOR_ORDINARY
                                                 : 99;
    return s->category != 99;
}

/* investors KYC_BEFORE CATEGORY RISK_CLASS [AFTER [LIMIT]]: KYC_BEFORE days since
 * 1970-01-01 or nil, CATEGORY "" / "professional" / "ordinary", RISK_CLASS 0 (any) or 1..5;
 * the cursor is an account (40 hex). */
static char *m_investors(net_node *n, ldg_state *st, const msgpack_object *args, uint32_t nargs,
                         int *status)
{
    investor_scan s = {.st = st};
    char after[LDG_QUERY_CURSOR_MAX + 1];
    net_page page;
    ldg_account cur;
    if (nargs < 3 || !investor_filters(&s, args) || !net_page_args(&page, after, args, nargs, 3) ||
        (page.has_after && ldg_account_parse(&cur, after) != 0))
        return error_json(status, LDG_ERR_INVALID,
                          "investors takes a KYC date bound (days, or nil), a category (\"\", "
                          "professional, ordinary), a risk class (0 for any, 1..5), then a "
                          "cursor (an account, 40 hex) and a limit (1..%d)",
                          LDG_QUERY_PAGE_MAX);
    ast_date today;
    s.today = ast_date_from_block_time(&today, ldg_chain_tip(n->chain).time_ms) == AST_DATE_OK
                  ? today.days
                  : 0;
    s.limit = page.limit;
    s.arr = json_array();
    uint8_t prefix[2] = {AST_KEY_NS, 'I'}, start[3 + LDG_ACCOUNT_LEN] = {AST_KEY_NS, 'I'};
    size_t slen = 2;
    if (page.has_after) {
        memcpy(start + 2, cur.b, LDG_ACCOUNT_LEN);
        start[2 + LDG_ACCOUNT_LEN] = 0; /* just after the cursor's account */
        slen = sizeof start;
    }
    ldg_err err = ldg_store_scan_from(ldg_chain_store(n->chain), LDG_CF_STATE, prefix, 2, start,
                                      slen, collect_investor, &s);
    if (err == LDG_OK)
        err = s.err;
    if (err != LDG_OK) {
        json_decref(s.arr);
        return error_json(status, err, "cannot read the investors");
    }
    json_t *j = json_pack("{s:o}", "investors", s.arr);
    if (s.more) {
        char hex[LDG_ACCOUNT_HEX_LEN];
        ldg_account_hex(hex, &s.last);
        json_object_set_new(j, "next", json_string(hex));
    }
    return dump(j, status);
}

char *net_query_views(net_node *n, const char *method, const msgpack_object *args, uint32_t nargs,
                      int *status)
{
    *status = 0;
    ldg_state *st = ldg_chain_reader(n->chain);
    char *out = !strcmp(method, "history")     ? m_history(n, st, args, nargs, status)
                : !strcmp(method, "statement") ? m_statement(n, st, args, nargs, status)
                : !strcmp(method, "controls")  ? m_controls(n, st, args, nargs, status)
                                               : m_investors(n, st, args, nargs, status);
    ldg_state_free(st);
    return out;
}
