#include "net_ini.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* [b, e) without surrounding blanks. */
static void trim(char **b, char **e)
{
    while (*b < *e && is_blank(**b))
        (*b)++;
    while (*e > *b && is_blank((*e)[-1]))
        (*e)--;
}

static bool name_ok(const char *b, const char *e)
{
    if (b == e)
        return false;
    for (; b < e; b++)
        if (!is_name_char(*b))
            return false;
    return true;
}

/* One line, NUL-terminated in place: [b, e). section is the current section (updated). */
static bool parse_line(char *b, char *e, char *section, size_t section_cap, net_ini_fn fn,
                       void *arg, char *err, size_t err_len)
{
    trim(&b, &e);
    if (b == e || *b == '#' || *b == ';')
        return true;
    if (*b == '[') {
        if (e[-1] != ']') {
            snprintf(err, err_len, "a section header must end with ']'");
            return false;
        }
        char *nb = b + 1, *ne = e - 1;
        trim(&nb, &ne);
        if (!name_ok(nb, ne) || (size_t)(ne - nb) >= section_cap) {
            snprintf(err, err_len, "a section name is 1 to %zu letters, digits or '_'",
                     section_cap - 1);
            return false;
        }
        memcpy(section, nb, (size_t)(ne - nb));
        section[ne - nb] = '\0';
        return fn(arg, section, NULL, NULL, err, err_len);
    }
    char *eq = memchr(b, '=', (size_t)(e - b));
    if (!eq) {
        snprintf(err, err_len, "expected 'key = value', a [section] or a # comment");
        return false;
    }
    char *kb = b, *ke = eq, *vb = eq + 1, *ve = e;
    trim(&kb, &ke);
    trim(&vb, &ve);
    if (!name_ok(kb, ke)) {
        snprintf(err, err_len, "a key is letters, digits or '_'");
        return false;
    }
    if (!section[0]) {
        snprintf(err, err_len, "a key outside any [section]");
        return false;
    }
    *ke = '\0';
    *ve = '\0';
    return fn(arg, section, kb, vb, err, err_len);
}

ldg_err net_ini_parse(const char *text, size_t len, net_ini_fn fn, void *arg, char *err,
                      size_t err_len)
{
    char *buf = malloc(len + 1);
    if (!buf)
        return LDG_ERR_NOMEM;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char section[64] = "", why[384];
    unsigned line = 0;
    ldg_err rc = LDG_OK;
    for (char *p = buf, *end = buf + len; p < end && rc == LDG_OK;) {
        line++;
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        if (e > p && e[-1] == '\r')
            e--;
        for (const char *c = p; c < e; c++)
            if ((unsigned char)*c < 0x20 && *c != '\t') {
                snprintf(why, sizeof why, "a control character (byte 0x%02x)", (unsigned)*c);
                rc = LDG_ERR_INVALID;
            }
        if (rc != LDG_OK)
            break;
        why[0] = '\0';
        if (!parse_line(p, e, section, sizeof section, fn, arg, why, sizeof why))
            rc = LDG_ERR_INVALID;
        p = nl ? nl + 1 : end;
    }
    if (rc != LDG_OK)
        snprintf(err, err_len, "line %u: %s", line, why);
    free(buf);
    return rc;
}
