/* folio chains: a main chain's sub-chain registry (specs/chains.md). `list` and `show` read
 * the registry; `anchor` fetches a sub-chain node's newest committed header and certificate
 * and relays it to the main chain as chain.checkpoint (the relay is not trusted: the main
 * chain verifies it). Also the builder of two-level proofs (`folio proof ... --via-main`). */
#include "chn.h"
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "1h 02m", "45s": an age in ms. */
static void age_text(char *out, size_t len, json_int_t ms)
{
    long long s = (long long)(ms / 1000);
    if (s >= 86400)
        snprintf(out, len, "%lldd %02lldh", s / 86400, s % 86400 / 3600);
    else if (s >= 3600)
        snprintf(out, len, "%lldh %02lldm", s / 3600, s % 3600 / 60);
    else if (s >= 60)
        snprintf(out, len, "%lldm %02llds", s / 60, s % 60);
    else
        snprintf(out, len, "%llds", s);
}

/* "0,1,3": obj's array `key` of validator indexes. */
static const char *signers_text_of(const json_t *obj, const char *key, char *out, size_t len)
{
    size_t k = 0, i;
    json_t *v;
    out[0] = '\0';
    json_array_foreach(json_object_get(obj, key), i, v)
    {
        int n =
            snprintf(out + k, len - k, "%s%lld", i ? "," : "", (long long)json_integer_value(v));
        if (n < 0 || (size_t)n >= len - k)
            break;
        k += (size_t)n;
    }
    return out;
}

static const char *signers_text(const json_t *last, char *out, size_t len)
{
    return signers_text_of(last, "signers", out, len);
}

static void row_cells(const json_t *r, char cells[8][128])
{
    const json_t *last = json_object_get(r, "last"), *set = json_object_get(r, "validators");
    snprintf(cells[0], 128, "%s", json_string_value(json_object_get(r, "id")));
    snprintf(cells[1], 128, "%s", json_string_value(json_object_get(r, "status")));
    snprintf(cells[2], 128, "%s", json_string_value(json_object_get(r, "business")));
    cli_num(cells[3], 128, (uint64_t)json_integer_value(json_object_get(last, "height")));
    const char *t = json_string_value(json_object_get(last, "anchored_time"));
    snprintf(cells[4], 128, "%s", t ? t : "");
    age_text(cells[5], 128, json_integer_value(json_object_get(last, "age_ms")));
    char s[100];
    snprintf(cells[6], 128, "%s of %lld", signers_text(last, s, sizeof s),
             (long long)json_integer_value(json_object_get(set, "count")));
    snprintf(cells[7], 128, "%s", json_string_value(json_object_get(r, "chain_id")));
}

/* Every record of the registry: the `subchains` pages one after another, in one array. */
static json_t *all_subchains(cli_ctx *ctx, int *rc)
{
    json_t *all = json_array();
    char after[CHN_ID_LEN_MAX + 1] = "";
    for (;;) {
        json_t *j = cli_query(ctx, "subchains", after[0] ? after : NULL, rc);
        if (!j) {
            json_decref(all);
            return NULL;
        }
        json_array_extend(all, json_object_get(j, "subchains"));
        const char *next = json_string_value(json_object_get(j, "next"));
        bool more = next && strlen(next) <= CHN_ID_LEN_MAX && strcmp(next, after) > 0;
        if (more)
            snprintf(after, sizeof after, "%s", next);
        json_decref(j);
        if (!more)
            return all;
    }
}

static int list(cli_ctx *ctx)
{
    int rc;
    json_t *rows = all_subchains(ctx, &rc);
    if (!rows)
        return rc;
    json_t *j = json_pack("{s:o,s:n}", "subchains", rows, "next");
    if (ctx->json) {
        cli_print_json(j);
        json_decref(j);
        return CLI_OK;
    }
    static const char *const hd[] = {"ID", "STATUS", "BUSINESS", "ANCHORED",
                                     "AT", "AGE",    "SIGNERS",  "CHAIN"};
    cli_table *t = cli_table_new(8, hd);
    cli_table_empty(t, "no sub-chains are registered");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(j, "subchains"), i, r)
    {
        char cells[8][128];
        row_cells(r, cells);
        const char *cp[8];
        for (int k = 0; k < 8; k++)
            cp[k] = cells[k];
        cli_table_row(t, cp);
    }
    cli_table_print(t, stdout);
    cli_table_free(t);
    json_decref(j);
    return CLI_OK;
}

static int show(cli_ctx *ctx, const char *id)
{
    int rc;
    json_t *j = cli_query(ctx, "subchain", id, &rc);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
        json_decref(j);
        return CLI_OK;
    }
    char cells[8][128];
    row_cells(j, cells);
    const json_t *last = json_object_get(j, "last");
    printf("sub-chain      %s (%s)\n", cells[0], cells[2]);
    printf("status         %s\n", cells[1]);
    printf("chain id       %s\n", cells[7]);
    printf("genesis        %s\n", json_string_value(json_object_get(j, "genesis_hash")));
    printf("account        %s\n", json_string_value(json_object_get(j, "account")));
    printf("period         %lld ms\n",
           (long long)json_integer_value(json_object_get(j, "period_ms")));
    printf("last anchored  height %s, block %s\n", cells[3],
           json_string_value(json_object_get(last, "hash")));
    printf("anchored at    %s (main height %lld), age %s\n", cells[4],
           (long long)json_integer_value(json_object_get(last, "main_height")), cells[5]);
    printf("signers        %s\n", cells[6]);
    const json_t *nx = json_object_get(j, "next_validators");
    if (json_is_object(nx))
        printf("next set       %lld validators from height %lld\n",
               (long long)json_integer_value(json_object_get(nx, "count")),
               (long long)json_integer_value(json_object_get(nx, "since")));
    printf("evidence       %lld record(s)\n",
           (long long)json_integer_value(json_object_get(j, "evidence_count")));
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(j, "evidence"), i, ev)
    {
        char sa[100], sb[100];
        printf("  #%zu %s, stored at main height %lld: block %lld %.16s... signed by %s; "
               "block %lld %.16s... signed by %s\n",
               i, json_string_value(json_object_get(ev, "kind")),
               (long long)json_integer_value(json_object_get(ev, "main_height")),
               (long long)json_integer_value(json_object_get(ev, "height_a")),
               json_string_value(json_object_get(ev, "hash_a")),
               signers_text_of(ev, "signers_a", sa, sizeof sa),
               (long long)json_integer_value(json_object_get(ev, "height_b")),
               json_string_value(json_object_get(ev, "hash_b")),
               signers_text_of(ev, "signers_b", sb, sizeof sb));
        if (json_is_string(json_object_get(ev, "validator_key")))
            printf("     validator %lld (key %s) signed both, %s round %lld\n",
                   (long long)json_integer_value(json_object_get(ev, "validator")),
                   json_string_value(json_object_get(ev, "validator_key")),
                   json_string_value(json_object_get(ev, "step")),
                   (long long)json_integer_value(json_object_get(ev, "round")));
    }
    json_decref(j);
    return CLI_OK;
}

/* A context for another node: a home directory, or an RPC address (tcp://, ipc://). */
int cli_chains_other(cli_ctx *ctx, const char *from, cli_ctx *out)
{
    memset(out, 0, sizeof *out);
    out->json = ctx->json;
    if (strstr(from, "://")) {
        snprintf(out->cfg.rpc_url, sizeof out->cfg.rpc_url, "%s", from);
        snprintf(out->home, sizeof out->home, "%s", ctx->home);
        out->cfg_loaded = true;
        return CLI_OK;
    }
    out->home_arg = from;
    snprintf(out->home, sizeof out->home, "%s", from);
    return cli_load_config(out);
}

static bool hex_bytes(const json_t *j, const char *key, uint8_t *out, size_t max, size_t *len)
{
    const char *h = json_string_value(json_object_get(j, key));
    size_t n = h ? strlen(h) : 0;
    if (!n || n % 2 || n / 2 > max || ldg_hex_decode(out, n / 2, h))
        return false;
    *len = n / 2;
    return true;
}

static int anchor(cli_ctx *ctx, const char *id, const char *from)
{
    if (!from || !*from) {
        cli_fail(ctx, "USAGE", "chains anchor needs --from SUBHOME or --from tcp://HOST:PORT");
        return CLI_USAGE;
    }
    if (!chn_id_valid(id)) {
        cli_fail(ctx, "USAGE", "a sub-chain id is 1..%d of a-z, 0-9 and '-'", CHN_ID_LEN_MAX);
        return CLI_USAGE;
    }
    cli_ctx sub;
    int rc = cli_chains_other(ctx, from, &sub);
    if (rc != CLI_OK)
        return rc;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_str(&e, "checkpoint");
    json_t *j = cli_call(&sub, &e, &rc);
    if (sub.client)
        net_client_close(sub.client);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    static uint8_t header[LDG_PROOF_HEADER_MAX], certb[LDG_VALIDATORS_MAX * 80 + 64];
    size_t hl, cl;
    ldg_dec d;
    ldg_cert cert;
    bool ok = hex_bytes(j, "header", header, sizeof header, &hl) &&
              hex_bytes(j, "cert", certb, sizeof certb, &cl) && ldg_decode(&d, certb, cl) == LDG_OK;
    if (ok) {
        ok = ldg_cert_decode(&cert, d.root) == LDG_OK;
        ldg_dec_free(&d);
    }
    if (!ok) {
        cli_fail(ctx, "PROTOCOL", "the sub-chain node at %s sent no header and certificate", from);
        json_decref(j);
        return CLI_UNAVAILABLE;
    }
    if (!ctx->json)
        fprintf(stderr,
                "folio: relaying block %lld of chain %s (%lld signatures) as a "
                "checkpoint of '%s'\n",
                (long long)json_integer_value(json_object_get(j, "height")),
                json_string_value(json_object_get(j, "chain_id")),
                (long long)json_integer_value(json_object_get(j, "signatures")), id);
    json_decref(j);
    ldg_enc_init(&e);
    chn_checkpoint_tx_encode(&e, id, header, hl, &cert);
    rc = cli_stl_submit_say(ctx, CHN_TX_CHECKPOINT, &e, "chain checkpoint");
    ldg_enc_free(&e);
    return rc;
}

int cli_chains_main(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return CLI_USAGE;
    const char *verb = argv[1];
    static const char *const opts[] = {"--from", NULL};
    const char *a0 = cli_pos(argc - 1, argv + 1, 0, opts);
    if (!strcmp(verb, "list"))
        return list(ctx);
    if (!strcmp(verb, "show"))
        return show(ctx, a0);
    if (!strcmp(verb, "anchor"))
        return anchor(ctx, a0, cli_opt(argc, argv, "--from"));
    cli_fail(ctx, "USAGE", "unknown chains command '%s' (see folio chains --help)", verb);
    return CLI_USAGE;
}

/* ---- two-level proofs (specs/chains.md §6) ---- */

/* The proof RPC on a node: the bundle bytes (malloc'd) and its height. */
static uint8_t *proof_rpc(cli_ctx *ctx, uint64_t kind, const uint8_t *key, size_t kl, bool has_h,
                          uint64_t h, size_t *len, uint64_t *height, int *rc)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 4);
    ldg_enc_str(&e, "proof");
    ldg_enc_u64(&e, kind);
    ldg_enc_bin(&e, key, kl);
    if (has_h)
        ldg_enc_u64(&e, h);
    else
        ldg_enc_nil(&e);
    json_t *j = cli_call(ctx, &e, rc);
    ldg_enc_free(&e);
    if (!j)
        return NULL;
    const char *hex = json_string_value(json_object_get(j, "bundle"));
    size_t n = hex ? strlen(hex) / 2 : 0;
    uint8_t *b = n && n <= LDG_PROOF_BUNDLE_MAX ? malloc(n) : NULL;
    if (!b || ldg_hex_decode(b, n, hex)) {
        cli_fail(ctx, "PROTOCOL", "the node sent no bundle");
        free(b);
        json_decref(j);
        *rc = CLI_UNAVAILABLE;
        return NULL;
    }
    *len = n;
    *height = (uint64_t)json_integer_value(json_object_get(j, "height"));
    json_decref(j);
    return b;
}

/* The value of a key bundle's one fact (not verified: the verifier does that), decoded as a
 * registry record. */
static bool bundle_record(const uint8_t *b, size_t len, const char *id, chn_record *r)
{
    ldg_dec d;
    if (ldg_decode(&d, b, len) != LDG_OK)
        return false;
    const msgpack_object *f, *facts, *fact;
    uint32_t nf;
    const uint8_t *v;
    size_t vl;
    bool ok = ldg_obj_array(d.root, 8, &f) && ldg_obj_array_any(&f[5], 4, &facts, &nf) && nf == 1 &&
              ldg_obj_array(&facts[0], 3, &fact) &&
              ldg_obj_bin_ref(&fact[1], LDG_PROOF_VALUE_MAX, &v, &vl) &&
              chn_record_decode(r, id, v, vl);
    ldg_dec_free(&d);
    return ok;
}

/* The registry id under which the main chain knows the chain of ctx (by chain id). */
static int find_id(cli_ctx *ctx, cli_ctx *main_ctx, char id[CHN_ID_LEN_MAX + 1])
{
    int rc = cli_load_config(ctx);
    if (rc != CLI_OK)
        return rc;
    json_t *j = all_subchains(main_ctx, &rc);
    if (!j)
        return rc;
    size_t i;
    json_t *r;
    rc = CLI_REJECTED;
    json_array_foreach(j, i, r)
    {
        const char *cid = json_string_value(json_object_get(r, "chain_id"));
        if (cid && !strcmp(cid, ctx->cfg.chain_id)) {
            snprintf(id, CHN_ID_LEN_MAX + 1, "%s", json_string_value(json_object_get(r, "id")));
            rc = CLI_OK;
        }
    }
    json_decref(j);
    if (rc != CLI_OK)
        cli_fail(ctx, "NOT_FOUND", "the main chain has no sub-chain with chain id '%s'",
                 ctx->cfg.chain_id);
    return rc;
}

int cli_chains_xproof(cli_ctx *ctx, const char *via, uint64_t kind, const uint8_t *key, size_t kl,
                      uint8_t **out, size_t *out_len, uint64_t *sub_height)
{
    cli_ctx m;
    char id[CHN_ID_LEN_MAX + 1];
    int rc = cli_chains_other(ctx, via, &m);
    if (rc == CLI_OK)
        rc = find_id(ctx, &m, id);
    uint8_t *rb = NULL, *mb = NULL, *sb = NULL;
    size_t rl = 0, ml = 0, sl = 0;
    uint64_t mh = 0, h2 = 0, sh = 0;
    chn_record *r = calloc(1, sizeof *r);
    LDG_ASSERT(r);
    uint8_t rk[CHN_KEY_RECORD_LEN], ck[CHN_KEY_CHECKPOINT_LEN];
    if (rc == CLI_OK) {
        /* the record as of the main chain's newest certified state: its last checkpoint */
        chn_record_key(rk, id);
        rb = proof_rpc(&m, LDG_PROOF_KIND_KEY, rk, sizeof rk, false, 0, &rl, &mh, &rc);
    }
    if (rb && (!bundle_record(rb, rl, id, r) || r->last_height == 0)) {
        cli_fail(ctx, "NOT_FOUND",
                 "sub-chain '%s' had no anchored checkpoint in the main chain's state after "
                 "block %llu",
                 id, (unsigned long long)mh);
        rc = CLI_REJECTED;
    } else if (rb) {
        chn_checkpoint_key(ck, id, r->last_height);
        mb = proof_rpc(&m, LDG_PROOF_KIND_KEY, ck, sizeof ck, true, mh, &ml, &h2, &rc);
    }
    if (mb) /* the state after X-1, whose root anchored header X carries */
        sb = proof_rpc(ctx, kind, key, kl, true, r->last_height - 1, &sl, &sh, &rc);
    if (sb) {
        ldg_enc e;
        ldg_enc_init(&e);
        chn_xproof_encode(&e, id, r->last_height, mb, ml, sb, sl);
        *out = ldg_enc_take(&e, out_len);
        ldg_enc_free(&e);
        *sub_height = sh;
    }
    if (m.client)
        net_client_close(m.client);
    free(r);
    free(rb);
    free(mb);
    free(sb);
    return sb ? CLI_OK : rc;
}
