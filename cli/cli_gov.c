/* folio gov propose|vote|list|show|committee: the governance committee (specs/governance.md). */
#include "cli.h"
#include "gov_module.h"
#include "net_node.h"

#include <string.h>

#define GOV_EXPIRES_IN_DEFAULT 1000

static void usage(void)
{
    printf("usage: folio gov propose KIND ARGS... [--expires-in N | --expiry-height H] "
           "[--delay N]\n"
           "         KIND: member-admit ACCOUNT --weight W | member-remove ACCOUNT\n"
           "               role-grant ACCOUNT --role R[,R] | role-revoke ACCOUNT --role R[,R]\n"
           "               code-approve|code-revoke (--hash HEX | --file FILE [--contract N])\n"
           "               param-set NAME VALUE | action TYPE --payload HEX\n"
           "               validator-set add|remove|replace KEY[,KEY...] --height H\n"
           "       folio gov vote ID yes|no|abstain\n"
           "       folio gov list [--status S] [--limit N] [--after ID]\n"
           "       folio gov show ID\n"
           "       folio gov committee\n");
}

static const char *s_of(json_t *j, const char *k)
{
    const char *s = json_string_value(json_object_get(j, k));
    return s ? s : "-";
}

static long long i_of(json_t *j, const char *k)
{
    return (long long)json_integer_value(json_object_get(j, k));
}

static const char *const valued[] = {
    "--weight",     "--role",          "--hash",  "--file",   "--contract", "--payload",
    "--expires-in", "--expiry-height", "--delay", "--height", NULL};

/* TYPE: a number or a registered type's name (from this binary's registry). */
static bool action_type(const char *s, uint64_t *out)
{
    if (cli_parse_u64(s, UINT16_MAX, out))
        return *out > 0;
    ldg_registry *r = net_registry_new();
    bool ok = false;
    for (uint64_t t = 1; t < 256 && !ok; t++) {
        const ldg_tx_type *ty = ldg_registry_find(r, t);
        if (ty && !strcmp(ty->name, s)) {
            *out = t;
            ok = true;
        }
    }
    ldg_registry_free(r);
    return ok;
}

static int code_hash_arg(cli_ctx *ctx, int argc, char **argv, uint8_t out[32])
{
    const char *h = cli_opt(argc, argv, "--hash"), *f = cli_opt(argc, argv, "--file");
    if ((h != NULL) == (f != NULL)) {
        cli_fail(ctx, "USAGE", "give the code as --hash HEX (64 hex) or --file FILE, one of them");
        return CLI_USAGE;
    }
    if (f)
        return cli_contract_code_hash(ctx, f, cli_opt(argc, argv, "--contract"), out);
    if (strlen(h) != 64 || ldg_hex_decode(out, 32, h) != 0) {
        cli_fail(ctx, "USAGE", "--hash is the 64-hex keccak-256 of the contract's init code");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* validator-set OP KEY[,KEY...] --height H: keys are 64 hex digits (x-only). */
static int valset_params(cli_ctx *ctx, int argc, char **argv, const char *op, const char *keys,
                         gov_params *p)
{
    const char *h = cli_opt(argc, argv, "--height");
    p->value = !op                      ? 0
               : !strcmp(op, "add")     ? GOV_VALSET_ADD
               : !strcmp(op, "remove")  ? GOV_VALSET_REMOVE
               : !strcmp(op, "replace") ? GOV_VALSET_REPLACE
                                        : 0;
    if (!p->value || !keys || !h || !cli_parse_u64(h, UINT64_MAX, &p->height)) {
        cli_fail(ctx, "USAGE",
                 "gov propose validator-set add|remove|replace KEY[,KEY...] --height H (the "
                 "first block the new set certifies)");
        return CLI_USAGE;
    }
    for (const char *k = keys; *k;) {
        const char *end = strchr(k, ',');
        size_t n = end ? (size_t)(end - k) : strlen(k);
        char one[2 * LDG_PUBKEY_LEN + 1];
        if (n == 2 * LDG_PUBKEY_LEN)
            memcpy(one, k, n);
        one[n == 2 * LDG_PUBKEY_LEN ? n : 0] = 0;
        if (p->key_count >= LDG_VALIDATORS_MAX || n != 2 * LDG_PUBKEY_LEN ||
            ldg_hex_decode(p->keys[p->key_count].b, LDG_PUBKEY_LEN, one) != 0) {
            cli_fail(ctx, "USAGE", "a validator key is 64 hex digits; at most %d of them",
                     LDG_VALIDATORS_MAX);
            return CLI_USAGE;
        }
        p->key_count++;
        k += n + (end ? 1 : 0);
    }
    return CLI_OK;
}

/* The kind's parameters from the command line into p (payload bytes into payload). */
static int kind_params(cli_ctx *ctx, int argc, char **argv, gov_params *p, uint8_t *payload)
{
    const char *a1 = cli_pos(argc, argv, 1, valued), *a2 = cli_pos(argc, argv, 2, valued);
    char bad[64];
    int rc = CLI_OK;
    switch (p->kind) {
    case GOV_KIND_MEMBER_ADMIT:
    case GOV_KIND_MEMBER_REMOVE:
    case GOV_KIND_ROLE_GRANT:
    case GOV_KIND_ROLE_REVOKE:
        if (!a1) {
            cli_fail(ctx, "USAGE", "gov propose %s takes an ACCOUNT", gov_kind_name(p->kind));
            return CLI_USAGE;
        }
        if ((rc = cli_resolve_account(ctx, a1, &p->account)) != CLI_OK)
            return rc;
        if (p->kind == GOV_KIND_MEMBER_ADMIT) {
            const char *w = cli_opt(argc, argv, "--weight");
            if (!w || !cli_parse_u64(w, LDG_COMMITTEE_WEIGHT_MAX, &p->value) || !p->value) {
                cli_fail(ctx, "USAGE", "--weight takes a whole number from 1 to %d",
                         LDG_COMMITTEE_WEIGHT_MAX);
                return CLI_USAGE;
            }
        } else if (p->kind != GOV_KIND_MEMBER_REMOVE) {
            const char *r = cli_opt(argc, argv, "--role");
            if (!r || !(p->value = ldg_roles_parse(r, bad, sizeof bad))) {
                cli_fail(ctx, "USAGE", "--role: unknown role '%s'", r ? bad : "(none)");
                return CLI_USAGE;
            }
        }
        return CLI_OK;
    case GOV_KIND_CODE_APPROVE:
    case GOV_KIND_CODE_REVOKE:
        return code_hash_arg(ctx, argc, argv, p->hash);
    case GOV_KIND_PARAM_SET:
        if (!a1 || !a2 || strlen(a1) > GOV_PARAM_NAME_LEN_MAX ||
            !cli_parse_u64(a2, UINT64_MAX, &p->value)) {
            cli_fail(ctx, "USAGE", "gov propose param-set NAME VALUE (see 'folio gov committee')");
            return CLI_USAGE;
        }
        snprintf(p->name, sizeof p->name, "%s", a1);
        return CLI_OK;
    case GOV_KIND_ACTION: {
        const char *hx = cli_opt(argc, argv, "--payload");
        size_t hl = hx ? strlen(hx) : 0;
        if (!a1 || !action_type(a1, &p->value)) {
            cli_fail(ctx, "USAGE", "gov propose action TYPE: a type number or name");
            return CLI_USAGE;
        }
        if (!hx || hl % 2 || hl / 2 > GOV_PROPOSAL_SIZE_MAX ||
            ldg_hex_decode(payload, hl / 2, hx) != 0) {
            cli_fail(ctx, "USAGE",
                     "--payload is the action's msgpack payload in hex (at most %u "
                     "bytes)",
                     GOV_PROPOSAL_SIZE_MAX);
            return CLI_USAGE;
        }
        p->payload = payload;
        p->payload_len = hl / 2;
        return CLI_OK;
    }
    case GOV_KIND_VALIDATOR_SET:
        return valset_params(ctx, argc, argv, a1, a2, p);
    }
    return CLI_USAGE;
}

/* Expiry height and delay: --expiry-height H, or the tip + --expires-in N (default 1000). */
static int timing(cli_ctx *ctx, int argc, char **argv, uint64_t *expiry, uint64_t *delay)
{
    const char *eh = cli_opt(argc, argv, "--expiry-height"),
               *ei = cli_opt(argc, argv, "--expires-in");
    const char *d = cli_opt(argc, argv, "--delay");
    uint64_t in = GOV_EXPIRES_IN_DEFAULT;
    *delay = 1;
    if ((eh && ei) || (eh && !cli_parse_u64(eh, UINT64_MAX, expiry)) ||
        (ei && (!cli_parse_u64(ei, GOV_VOTING_BLOCKS_MAX, &in) || in == 0)) ||
        (d && !cli_parse_u64(d, GOV_ACTIVATION_DELAY_MAX, delay))) {
        cli_fail(ctx, "USAGE",
                 "--expiry-height H or --expires-in N (blocks, 1 to %d), and "
                 "--delay N (blocks, to %d)",
                 GOV_VOTING_BLOCKS_MAX, GOV_ACTIVATION_DELAY_MAX);
        return CLI_USAGE;
    }
    if (eh)
        return CLI_OK;
    int rc;
    json_t *st = cli_query(ctx, "status", NULL, &rc);
    if (!st)
        return rc;
    *expiry = (uint64_t)json_integer_value(json_object_get(st, "height")) + in;
    json_decref(st);
    return CLI_OK;
}

static int propose(cli_ctx *ctx, int argc, char **argv)
{
    if (!cli_check_opts(ctx, argc, argv, valued, NULL))
        return CLI_USAGE;
    const char *kind = cli_pos(argc, argv, 0, valued);
    gov_params p = {.kind = kind ? gov_kind_parse(kind) : 0};
    if (!p.kind) {
        cli_fail(ctx, "USAGE",
                 "gov propose KIND: member-admit, member-remove, role-grant, role-revoke, "
                 "code-approve, code-revoke, param-set, action or validator-set");
        return CLI_USAGE;
    }
    static uint8_t payload[GOV_PROPOSAL_SIZE_MAX];
    uint64_t expiry = 0, delay = 1;
    int rc = kind_params(ctx, argc, argv, &p, payload);
    if (rc == CLI_OK)
        rc = timing(ctx, argc, argv, &expiry, &delay);
    if (rc != CLI_OK)
        return rc;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 4);
    ldg_enc_u64(&e, p.kind);
    gov_params_encode(&e, &p);
    ldg_enc_u64(&e, expiry);
    ldg_enc_u64(&e, delay);
    char what[96];
    snprintf(what, sizeof what, "proposal %s", kind);
    json_t *tx = NULL;
    rc = cli_submit(ctx, GOV_TX_PROPOSE, &e, what, &tx);
    ldg_enc_free(&e);
    if (rc == CLI_OK && !ctx->json)
        printf("proposal %llu: open until height %llu; members vote with 'folio gov vote %llu "
               "yes|no|abstain'\n",
               (unsigned long long)cli_receipt_id(tx), (unsigned long long)expiry,
               (unsigned long long)cli_receipt_id(tx));
    json_decref(tx);
    return rc;
}

static int vote(cli_ctx *ctx, int argc, char **argv)
{
    uint64_t id, choice = 0;
    const char *c = argc > 2 ? argv[2] : "";
    if (!strcmp(c, "yes"))
        choice = GOV_VOTE_YES;
    else if (!strcmp(c, "no"))
        choice = GOV_VOTE_NO;
    else if (!strcmp(c, "abstain"))
        choice = GOV_VOTE_ABSTAIN;
    if (argc != 3 || !cli_parse_u64(argv[1], UINT64_MAX, &id) || !choice) {
        cli_fail(ctx, "USAGE", "usage: folio gov vote ID yes|no|abstain");
        return CLI_USAGE;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_u64(&e, id);
    ldg_enc_u64(&e, choice);
    char what[64];
    snprintf(what, sizeof what, "vote %s on proposal %llu", c, (unsigned long long)id);
    int rc = cli_submit(ctx, GOV_TX_VOTE, &e, what, NULL);
    ldg_enc_free(&e);
    return rc;
}

/* One line of what a proposal does. */
static void summary(json_t *p, char *out, size_t len)
{
    json_t *a = json_object_get(p, "params");
    const char *k = s_of(p, "kind");
    const char *who =
        json_is_string(json_object_get(a, "name")) ? s_of(a, "name") : s_of(a, "account");
    if (!strcmp(k, "member-admit"))
        snprintf(out, len, "%s weight %lld", who, i_of(a, "weight"));
    else if (!strcmp(k, "role-grant") || !strcmp(k, "role-revoke"))
        snprintf(out, len, "%s %s", who, s_of(a, "roles"));
    else if (!strcmp(k, "code-approve") || !strcmp(k, "code-revoke"))
        snprintf(out, len, "%.16s...", s_of(a, "code_hash"));
    else if (!strcmp(k, "param-set"))
        snprintf(out, len, "%s = %lld", s_of(a, "name"), i_of(a, "value"));
    else if (!strcmp(k, "action"))
        snprintf(out, len, "%s (type %lld)", s_of(a, "type_name"), i_of(a, "type"));
    else
        snprintf(out, len, "%s", who);
}

static int list(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--status", "--limit", "--after", NULL};
    cli_page page;
    if (!cli_check_opts(ctx, argc, argv, opts, NULL) || !cli_page_parse(ctx, argc, argv, &page))
        return CLI_USAGE;
    const char *status = cli_opt(argc, argv, "--status");
    if (status && !gov_status_parse(status)) {
        cli_fail(ctx, "USAGE", "--status is open, passed, activated, failed or expired");
        return CLI_USAGE;
    }
    int rc;
    json_t *j = cli_list_query(ctx, "gov_proposals", status ? status : "", &page, &rc);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
        json_decref(j);
        return CLI_OK;
    }
    cli_table *t = cli_table_new(
        8, (const char *const[]){"ID", "KIND", "WHAT", "STATUS", "YES", "NO", "ABSTAIN", "AT"});
    cli_table_empty(t, status ? "no proposals with this status" : "no proposals");
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(j, "proposals"), i, p)
    {
        char id[24], what[160], y[24], n[24], a[24], at[48];
        snprintf(id, sizeof id, "%lld", i_of(p, "id"));
        summary(p, what, sizeof what);
        snprintf(y, sizeof y, "%lld", i_of(p, "yes"));
        snprintf(n, sizeof n, "%lld", i_of(p, "no"));
        snprintf(a, sizeof a, "%lld", i_of(p, "abstain"));
        if (!strcmp(s_of(p, "status"), "open"))
            snprintf(at, sizeof at, "expires %lld", i_of(p, "expiry_height"));
        else
            snprintf(at, sizeof at, "activation %lld", i_of(p, "activation_height"));
        cli_table_row(
            t, (const char *const[]){id, s_of(p, "kind"), what, s_of(p, "status"), y, n, a, at});
    }
    cli_table_print(t, stdout);
    cli_table_free(t);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "gov list%s%s", status ? " --status " : "", status ? status : "");
    cli_page_more(ctx, j, cmd, &page);
    json_decref(j);
    return CLI_OK;
}

static int show(cli_ctx *ctx, int argc, char **argv)
{
    uint64_t id;
    if (argc != 2 || !cli_parse_u64(argv[1], UINT64_MAX, &id)) {
        cli_fail(ctx, "USAGE", "usage: folio gov show ID");
        return CLI_USAGE;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "gov_proposal");
    ldg_enc_u64(&e, id);
    int rc;
    json_t *j = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
        json_decref(j);
        return CLI_OK;
    }
    char what[160];
    summary(j, what, sizeof what);
    printf("proposal %lld: %s %s\n", i_of(j, "id"), s_of(j, "kind"), what);
    printf("status:      %s", s_of(j, "status"));
    if (i_of(j, "result"))
        printf(" (%s: %s)", s_of(j, "result_name"), s_of(j, "detail"));
    printf("\nproposer:    %s\n", json_is_string(json_object_get(j, "proposer_name"))
                                      ? s_of(j, "proposer_name")
                                      : s_of(j, "proposer"));
    printf("proposed at: %lld, expires after %lld, activation delay %lld\n", i_of(j, "height"),
           i_of(j, "expiry_height"), i_of(j, "delay"));
    if (i_of(j, "activation_height"))
        printf("activation:  height %lld\n", i_of(j, "activation_height"));
    printf("tally:       yes %lld, no %lld, abstain %lld of total weight %lld\n", i_of(j, "yes"),
           i_of(j, "no"), i_of(j, "abstain"), i_of(j, "total_weight"));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(j, "votes"), i, v)
        printf("  %-24s %s\n",
               json_is_string(json_object_get(v, "name")) ? s_of(v, "name") : s_of(v, "account"),
               s_of(v, "vote"));
    json_decref(j);
    return CLI_OK;
}

static int committee(cli_ctx *ctx)
{
    int rc;
    json_t *j = cli_query(ctx, "gov_committee", NULL, &rc);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
        json_decref(j);
        return CLI_OK;
    }
    cli_table *t = cli_table_new(4, (const char *const[]){"MEMBER", "ACCOUNT", "WEIGHT", "SINCE"});
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(j, "members"), i, m)
    {
        char w[24], h[24];
        snprintf(w, sizeof w, "%lld", i_of(m, "weight"));
        snprintf(h, sizeof h, "%lld", i_of(m, "height"));
        cli_table_row(t, (const char *const[]){s_of(m, "name"), s_of(m, "account"), w, h});
    }
    cli_table_print(t, stdout);
    cli_table_free(t);
    printf("total weight %lld%s\n\n", i_of(j, "total_weight"),
           json_is_true(json_object_get(j, "from_genesis_registrars"))
               ? " (the genesis registrars: written at the first governance transaction)"
               : "");
    t = cli_table_new(4, (const char *const[]){"PARAMETER", "VALUE", "PENDING", "MEANING"});
    json_array_foreach(json_object_get(j, "params"), i, m)
    {
        char v[24], pend[96] = "-";
        snprintf(v, sizeof v, "%lld", i_of(m, "value"));
        size_t k;
        json_t *q;
        size_t used = 0;
        json_array_foreach(json_object_get(m, "pending"), k, q)
        {
            /* "500 at 1234" (the activation height), several separated by commas */
            int w = snprintf(pend + used, sizeof pend - used, "%s%lld at %lld", k ? ", " : "",
                             i_of(q, "value"), i_of(q, "activation_height"));
            if (w < 0 || (size_t)w >= sizeof pend - used)
                break;
            used += (size_t)w;
        }
        cli_table_row(t, (const char *const[]){s_of(m, "name"), v, pend, s_of(m, "text")});
    }
    cli_table_print(t, stdout);
    cli_table_free(t);
    json_decref(j);
    return CLI_OK;
}

int cli_gov_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (!verb || cli_wants_help(argc, argv)) {
        usage();
        return verb ? CLI_OK : CLI_USAGE;
    }
    if (!strcmp(verb, "propose"))
        return propose(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "vote"))
        return vote(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "list"))
        return list(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "show"))
        return show(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "committee"))
        return committee(ctx);
    cli_fail(ctx, "USAGE", "unknown verb 'gov %s' (propose, vote, list, show, committee)", verb);
    return CLI_USAGE;
}
