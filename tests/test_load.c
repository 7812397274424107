/*
 * test_load.c - the loader: every error path names file, line and field.
 *
 * Traces here are small strings built in the test, so each case shows the
 * exact bytes it feeds; tests/data/ holds the larger hand-written traces.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suites.h"
#include "test_util.h"
#include "../viz/viz_int.h"

#define HDR "{\"format\":\"wta-trace\",\"version\":1,\"workers\":1,\"mode\":\"real\"}\n"
#define SPAWN(t, seq, id) "{\"t\":" #t ",\"th\":\"w0\",\"seq\":" #seq ",\"ev\":\"task.spawn\"," \
    "\"task\":" #id ",\"parent\":0,\"name\":\"a\",\"file\":\"x.c\",\"line\":1}\n"
#define END(t, seq) "{\"t\":" #t ",\"th\":\"w0\",\"seq\":" #seq ",\"ev\":\"trace.end\"," \
    "\"dropped\":0,\"complete\":true}\n"

static struct wta_model *load_str(const char *s, unsigned flags, int *err)
{
    struct wta_model *m = NULL;
    *err = wta_model_load_mem("t.jsonl", s, strlen(s), flags, &m);
    return m;
}

/* Is there a diagnostic of this severity on this line containing needle? */
static int has_diag(const struct wta_model *m, enum wta_severity sev, uint32_t line,
                    const char *needle)
{
    for (size_t i = 0; i < m->ndiags && i < WTA_MAX_DIAGS; i++)
        if (m->diags[i].severity == sev && m->diags[i].line == line &&
            strstr(m->diags[i].msg, needle) != NULL)
            return 1;
    return 0;
}

/* Does a clean hand-written trace load, in causal order, with no problem? */
static void load_small_ok(void)
{
    struct wta_model *m;
    int err = wta_model_load("tests/data/small.jsonl", 0, &m);
    CU_ASSERT_EQUAL_FATAL(err, 0);
    CU_ASSERT_EQUAL(m->ndiags, 0);
    CU_ASSERT_EQUAL(m->nevents, 51);
    CU_ASSERT_EQUAL(m->ntasks, 1);
    CU_ASSERT_EQUAL(m->nthreads, 3);
    CU_ASSERT_STRING_EQUAL(m->threads[0].name, "main");
    CU_ASSERT_STRING_EQUAL(m->threads[1].name, "w0");
    CU_ASSERT_STRING_EQUAL(m->threads[2].name, "w1");
    CU_ASSERT_STRING_EQUAL(m->header.program, "small");
    CU_ASSERT_EQUAL(m->header.seed, 7);
    for (size_t i = 1; i < m->nevents; i++)
        CU_ASSERT(m->events[i - 1].t_ns <= m->events[i].t_ns);
    /* t=110 on w0 and w1: thread order breaks the tie */
    CU_ASSERT_EQUAL(m->events[1].th, 1);
    CU_ASSERT_EQUAL(m->events[2].th, 2);
    CU_ASSERT_FALSE(m->truncated);
    wta_model_free(m);
}

/* What does a file that does not exist give? */
static void load_missing_file(void)
{
    struct wta_model *m;
    CU_ASSERT_EQUAL(wta_model_load("tests/data/no-such-file.jsonl", 0, &m), -ENOENT);
    CU_ASSERT_PTR_NULL(m);
}

/* What if the file is empty? */
static void load_empty_file(void)
{
    int err;
    struct wta_model *m = load_str("", 0, &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 0, "empty file"));
    wta_model_free(m);
}

/* What if line 1 is an event, not the header? */
static void load_no_header(void)
{
    int err;
    struct wta_model *m = load_str(SPAWN(1, 0, 1) END(2, 1), 0, &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 1, "not a wta trace"));
    CU_ASSERT(has_diag(m, WTA_ERROR, 1, "found an event"));
    CU_ASSERT_EQUAL(m->nerrors, 1);     /* it stops at the header */
    wta_model_free(m);
    m = load_str("\n" HDR END(1, 0), 0, &err);    /* a blank line 1 is no header either */
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 1, "empty line: expected the header"));
    CU_ASSERT_EQUAL(m->nerrors, 1);
    wta_model_free(m);
}

/* What if the header names a format version this reader does not know? */
static void load_wrong_version(void)
{
    int err;
    struct wta_model *m = load_str("{\"format\":\"wta-trace\",\"version\":99}\n" END(1, 0), 0, &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 1, "unsupported trace format version 99"));
    wta_model_free(m);
}

#define IO_OP_V1 "{\"t\":2,\"th\":\"w0\",\"seq\":0,\"ev\":\"io.op\",\"fd\":5," \
    "\"op\":\"read\",\"result\":3}\n"

/* Does a version-1 trace (io.op without its task) still load, with task 0,
 * while a version-2 trace must carry the field? */
static void load_older_version(void)
{
    int err;
    struct wta_model *m = load_str(HDR IO_OP_V1 END(3, 1), 0, &err);
    CU_ASSERT_EQUAL(err, 0);
    CU_ASSERT_EQUAL(m->nevents, 2);
    CU_ASSERT_EQUAL(m->events[0].f[wta_schema_slot(WTA_EV_IO_OP, "task")], 0);
    wta_model_free(m);
    m = load_str("{\"format\":\"wta-trace\",\"version\":2}\n" IO_OP_V1 END(3, 1), 0, &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 2, "field 'task' missing"));
    wta_model_free(m);
}

/* What if the file is binary garbage, or a line after the header is? */
static void load_garbage(void)
{
    static const char bin[] = "\x7f" "ELF\x02\x01\x01\0\0\0\xff\xfe\n\x01\x02";
    struct wta_model *m = NULL;
    int err = wta_model_load_mem("bin", bin, sizeof bin - 1, 0, &m);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 1, "not valid JSON"));
    wta_model_free(m);
    m = load_str(HDR "{\"t\":1,\"th\":\n[1,2]\n" END(2, 0), 0, &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 2, "not valid JSON"));
    CU_ASSERT(has_diag(m, WTA_ERROR, 3, "expected a JSON object"));
    CU_ASSERT_EQUAL(m->nerrors, 2);
    wta_model_free(m);
}

/* Does a 10 MB line cost an error (not 10 MB), and do later lines keep their numbers? */
static void load_huge_line(void)
{
    size_t big = 10u << 20;
    const char *tail = "\n" SPAWN(5, 0, 1);
    char *s = malloc(strlen(HDR) + big + strlen(tail) + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    strcpy(s, HDR);
    memset(s + strlen(HDR), 'x', big);
    strcpy(s + strlen(HDR) + big, tail);
    int err;
    struct wta_model *m = load_str(s, 0, &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 2, "WTA_MAX_LINE"));
    CU_ASSERT_EQUAL(m->nerrors, 1);
    CU_ASSERT_EQUAL(m->nevents, 1);     /* line 3 was still read */
    CU_ASSERT_EQUAL(m->events[0].line, 3);
    wta_model_free(m);
    free(s);
}

/* What if two events of one thread carry the same seq? */
static void load_duplicate_seq(void)
{
    int err;
    struct wta_model *m = load_str(HDR SPAWN(1, 0, 1) SPAWN(2, 0, 2) END(3, 1), 0, &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 3, "seq 0 repeats (also on line 2)"));
    wta_model_free(m);
}

/* What if time goes backwards on one thread? */
static void load_time_backwards(void)
{
    int err;
    struct wta_model *m = load_str(HDR SPAWN(50, 0, 1) SPAWN(40, 1, 2) END(60, 2), 0, &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 2, "time goes backwards"));
    wta_model_free(m);
}

/* What if seq skips numbers (events lost)? A warning, not an error. */
static void load_seq_gap(void)
{
    int err;
    struct wta_model *m = load_str(HDR SPAWN(1, 0, 1) END(3, 4), 0, &err);
    CU_ASSERT_EQUAL(err, 0);
    CU_ASSERT(has_diag(m, WTA_WARNING, 3, "3 events missing"));
    wta_model_free(m);
}

/* What if a poll.end has no poll.begin before it? */
static void load_poll_end_without_begin(void)
{
    int err;
    struct wta_model *m = load_str(HDR SPAWN(1, 0, 1)
        "{\"t\":2,\"th\":\"w0\",\"seq\":1,\"ev\":\"poll.end\",\"task\":1,\"poll\":1,"
        "\"result\":\"pending\",\"next\":\"idle\"}\n" END(3, 2), 0, &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 3, "poll.end of task 1 on 'w0' without its poll.begin"));
    wta_model_free(m);
}

/* What if a waker wakes a task that was never spawned? */
static void load_wake_unknown_task(void)
{
    int err;
    struct wta_model *m = load_str(HDR SPAWN(1, 0, 1)
        "{\"t\":2,\"th\":\"w0\",\"seq\":1,\"ev\":\"waker.wake\",\"task\":9,\"source\":\"timer\","
        "\"outcome\":\"scheduled\",\"by\":0,\"by_ref\":false}\n" END(3, 2), 0, &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 3, "waker.wake of task 9, which was never spawned"));
    wta_model_free(m);
}

/* Does each wrong field type get its own precise message? */
static void load_field_types(void)
{
    int err;
    struct wta_model *m = load_str(HDR
        "{\"t\":1,\"th\":\"w0\",\"seq\":0,\"ev\":\"poll.begin\",\"task\":\"3\",\"poll\":1}\n"
        "{\"t\":1,\"th\":\"w0\",\"seq\":1,\"ev\":\"poll.begin\",\"task\":1.5,\"poll\":1}\n"
        "{\"t\":1,\"th\":\"w0\",\"seq\":2,\"ev\":\"poll.begin\",\"task\":-1,\"poll\":1}\n"
        "{\"t\":1,\"th\":\"w0\",\"seq\":3,\"ev\":\"poll.begin\",\"poll\":1}\n"
        "{\"t\":1,\"th\":\"w0\",\"seq\":4,\"ev\":\"poll.begin\",\"task\":1e300,\"poll\":1}\n"
        "{\"t\":1,\"th\":\"w0\",\"seq\":5,\"ev\":\"waker.wake\",\"task\":1,\"source\":\"x\","
        "\"outcome\":\"lost\",\"by\":0,\"by_ref\":1}\n"
        "{\"th\":\"w0\",\"seq\":6,\"ev\":\"mark\",\"id\":1,\"value\":2}\n", 0, &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 2, "field 'task': expected unsigned integer, got a string"));
    CU_ASSERT(has_diag(m, WTA_ERROR, 3, "field 'task': expected unsigned integer, got a fraction"));
    CU_ASSERT(has_diag(m, WTA_ERROR, 4, "field 'task': expected unsigned integer, got a negative"));
    CU_ASSERT(has_diag(m, WTA_ERROR, 5, "field 'task' missing: expected unsigned integer"));
    CU_ASSERT(has_diag(m, WTA_ERROR, 6, "field 'task': integer beyond 2^53"));
    CU_ASSERT(has_diag(m, WTA_ERROR, 7, "field 'by_ref': expected boolean, got a number"));
    CU_ASSERT(has_diag(m, WTA_ERROR, 8, "field 't' missing"));
    wta_model_free(m);
}

/* What if a string is longer than WTA_MAX_STRING? */
static void load_long_string(void)
{
    char *s = malloc(8192 + 512);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    int n = sprintf(s, HDR "{\"t\":1,\"th\":\"w0\",\"seq\":0,\"ev\":\"note\",\"text\":\"");
    memset(s + n, 'a', 5000);
    strcpy(s + n + 5000, "\"}\n");
    int err;
    struct wta_model *m = load_str(s, 0, &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 2, "WTA_MAX_STRING"));
    wta_model_free(m);
    free(s);
}

/* Is a cut last line a warning, and the rest of the trace still usable? */
static void load_truncated_last_line(void)
{
    int err;
    struct wta_model *m = load_str(HDR SPAWN(1, 0, 1) "{\"t\":2,\"th\":\"w0\",\"se", 0, &err);
    CU_ASSERT_EQUAL(err, 0);
    CU_ASSERT(has_diag(m, WTA_WARNING, 3, "cut short"));
    CU_ASSERT(m->truncated);
    CU_ASSERT_EQUAL(m->nevents, 1);
    CU_ASSERT_EQUAL(m->nerrors, 0);
    wta_model_free(m);
}

/* Is an unknown event kind a warning, and an error with --strict? */
static void load_unknown_kind(void)
{
    const char *s = HDR SPAWN(1, 0, 1)
        "{\"t\":2,\"th\":\"w0\",\"seq\":1,\"ev\":\"task.teleport\",\"task\":1}\n" END(3, 2);
    int err;
    struct wta_model *m = load_str(s, 0, &err);
    CU_ASSERT_EQUAL(err, 0);
    CU_ASSERT(has_diag(m, WTA_WARNING, 3, "unknown event kind 'task.teleport'"));
    wta_model_free(m);
    m = load_str(s, WTA_LOAD_STRICT, &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT(has_diag(m, WTA_ERROR, 3, "unknown event kind"));
    wta_model_free(m);
}

/* Can a trace put terminal escapes into messages or printed events? */
static void load_control_chars(void)
{
    int err;
    struct wta_model *m = load_str(HDR
        "{\"t\":1,\"th\":\"w0\",\"seq\":0,\"ev\":\"note\",\"text\":\"\\u001b[31mred\"}\n"
        "{\"t\":2,\"th\":\"w0\",\"seq\":1,\"ev\":\"x\\u001b[2J\"}\n" END(3, 2), 0, &err);
    char line[128];
    CU_ASSERT_EQUAL_FATAL(err, 0);
    CU_ASSERT(has_diag(m, WTA_WARNING, 3, "unknown event kind 'x?[2J'"));
    wta_event_format(m, &m->events[0], line, sizeof line);
    CU_ASSERT_STRING_EQUAL(line, "note text=\"?[31mred\"");
    wta_model_free(m);
    m = load_str(HDR "{\"t\":1,\"th\":\"w\\u001b0\",\"seq\":0,\"ev\":\"mark\",\"id\":1,"
                 "\"value\":1}\n", 0, &err);
    CU_ASSERT(has_diag(m, WTA_ERROR, 2, "field 'th': control character"));
    wta_model_free(m);
}

/* Are two loads of one trace the same, event by event? */
static void assert_same(const struct wta_model *a, const struct wta_model *b)
{
    char x[512], y[512];
    CU_ASSERT_EQUAL_FATAL(a->nevents, b->nevents);
    CU_ASSERT_EQUAL(a->nerrors, b->nerrors);
    CU_ASSERT_EQUAL(a->nwarnings, b->nwarnings);
    CU_ASSERT_EQUAL(a->nthreads, b->nthreads);
    CU_ASSERT_EQUAL(a->truncated, b->truncated);
    for (size_t i = 0; i < a->nevents; i++) {
        const struct wta_ev *e = &a->events[i], *f = &b->events[i];
        wta_event_format(a, e, x, sizeof x);
        wta_event_format(b, f, y, sizeof y);
        CU_ASSERT_STRING_EQUAL(x, y);
        CU_ASSERT_STRING_EQUAL(a->threads[e->th].name, b->threads[f->th].name);
        CU_ASSERT(e->t_ns == f->t_ns && e->seq == f->seq && e->line == f->line);
    }
    for (size_t i = 0; i < a->ndiags && i < WTA_MAX_DIAGS; i++) {
        CU_ASSERT_EQUAL(a->diags[i].line, b->diags[i].line);
        CU_ASSERT_STRING_EQUAL(a->diags[i].msg, b->diags[i].msg);
    }
}

/* Does reading a trace as two halves on two threads give exactly what one reader does? */
static void load_split_halves(void)
{
    static const char *files[] = {"tests/data/small.jsonl", "tests/data/diff_b.jsonl",
                                  "tests/data/lint/self-wake-loop.jsonl"};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        struct wta_model *a, *b;
        CU_ASSERT_EQUAL(wta_model_load(files[k], 0, &a), 0);
        CU_ASSERT_EQUAL(wta_model_load(files[k], WTA_LOAD_SPLIT, &b), 0);
        assert_same(a, b);
        wta_model_free(a);
        wta_model_free(b);
    }
    /* garbage: both stop at line 1, whatever the second half holds */
    static const char junk[] = "\x01\x02 not json\n{]\n[[\n\xff\n\n";
    struct wta_model *ja = NULL, *jb = NULL;
    CU_ASSERT_EQUAL(wta_model_load_mem("j", junk, sizeof junk - 1, 0, &ja), -EINVAL);
    CU_ASSERT_EQUAL(wta_model_load_mem("j", junk, sizeof junk - 1, WTA_LOAD_SPLIT, &jb), -EINVAL);
    CU_ASSERT_EQUAL(ja->nerrors, 1);
    assert_same(ja, jb);
    wta_model_free(ja);
    wta_model_free(jb);
    /* errors in the second half keep their line numbers */
    const char *bad = HDR SPAWN(1, 0, 1) SPAWN(2, 1, 2) SPAWN(3, 2, 3) SPAWN(4, 3, 4)
        "{\"t\":5,\"th\":\"w0\",\"seq\":4,\"ev\":\"poll.begin\",\"task\":\"3\",\"poll\":1}\n"
        "{\"t\":6,\"th\":\"w9\",\"seq\":0,\"ev\":\"mark\",\"id\":1,\"value\":2}\n" END(7, 5);
    int err;
    struct wta_model *a = load_str(bad, 0, &err), *b = load_str(bad, WTA_LOAD_SPLIT, &err);
    CU_ASSERT(has_diag(b, WTA_ERROR, 6, "field 'task': expected unsigned integer, got a string"));
    assert_same(a, b);
    wta_model_free(a);
    wta_model_free(b);
}

#define MARK(seq) "{\"t\":1,\"th\":\"w1\",\"seq\":" #seq ",\"ev\":\"mark\",\"id\":1,\"value\":1}\n"

/* Does the second half know the header's version (which decides whether a
 * field version 2 added may be missing), from memory and from a file? */
static void load_split_knows_version(void)
{
    static const char *hdr[] = {HDR, "{\"format\":\"wta-trace\",\"version\":2}\n"};
    for (int v = 0; v < 2; v++) {
        char *s;
        /* four marks on another thread fill the first half; io.op is in the second */
        CU_ASSERT_FATAL(asprintf(&s, "%s%s%s%s%s%s%s", hdr[v], MARK(0), MARK(1), MARK(2),
                                 MARK(3), IO_OP_V1, END(3, 1)) > 0);
        int err;
        struct wta_model *a = load_str(s, 0, &err), *b = load_str(s, WTA_LOAD_SPLIT, &err);
        CU_ASSERT_EQUAL(a->nerrors, (size_t)v);          /* missing only in version 2 */
        assert_same(a, b);
        wta_model_free(b);
        char *path = test_trace_path("split_version");
        FILE *f = fopen(path, "w");
        CU_ASSERT_FATAL(f != NULL);
        fputs(s, f);
        fclose(f);
        CU_ASSERT_EQUAL(wta_model_load(path, WTA_LOAD_SPLIT, &b), v ? -EINVAL : 0);
        assert_same(a, b);
        wta_model_free(a);
        wta_model_free(b);
        unlink(path);
        free(path);
        free(s);
    }
}

/* Load s with the fast scanner and with cJSON alone (and in halves): the
 * same model all three ways. Returns the fast one for more checks. */
static struct wta_model *load_both(const char *s, int *err)
{
    int err2, err3;
    struct wta_model *fast = load_str(s, 0, err);
    struct wta_model *slow = load_str(s, WTA_LOAD_CJSON, &err2);
    struct wta_model *split = load_str(s, WTA_LOAD_SPLIT, &err3);
    CU_ASSERT_EQUAL(*err, err2);
    CU_ASSERT_EQUAL(*err, err3);
    assert_same(slow, fast);
    assert_same(slow, split);
    wta_model_free(slow);
    wta_model_free(split);
    return fast;
}

#define WAKE(t, seq, cause) "{\"t\":" #t ",\"th\":\"w0\",\"seq\":" #seq "," \
    "\"ev\":\"waker.wake\",\"task\":1,\"source\":\"timer\",\"outcome\":\"scheduled\"," \
    "\"by\":0,\"by_ref\":true" cause "}\n"

/* Does a wake without its cause (version 1, or version 2 before cause was
 * added) still load, with cause 0 (unknown), by both readers? */
static void load_wake_without_cause(void)
{
    static const char *hdr[] = {HDR, "{\"format\":\"wta-trace\",\"version\":2}\n"};
    int slot = wta_schema_slot(WTA_EV_WAKER_WAKE, "cause");
    CU_ASSERT_EQUAL_FATAL(slot, 5);
    for (int v = 0; v < 2; v++) {
        char *s;
        CU_ASSERT_FATAL(asprintf(&s, "%s%s%s%s%s", hdr[v], SPAWN(1, 0, 1), WAKE(2, 1, ""),
                                 WAKE(3, 2, ",\"cause\":4"), END(4, 3)) > 0);
        int err;
        struct wta_model *m = load_both(s, &err);
        CU_ASSERT_EQUAL(err, 0);
        CU_ASSERT_EQUAL(m->nerrors, 0);
        CU_ASSERT_EQUAL_FATAL(m->nevents, 4);
        CU_ASSERT_EQUAL(m->events[1].f[slot], 0);      /* missing: unknown */
        CU_ASSERT_EQUAL(m->events[2].f[slot], 4);
        wta_model_free(m);
        free(s);
    }
}

struct want_diag {
    uint32_t line;
    const char *needle;
};

/* Are m's errors exactly these (one per line, each containing its needle)? */
static void expect_errors(const struct wta_model *m, const struct want_diag *want, size_t n)
{
    CU_ASSERT_EQUAL(m->nerrors, n);
    for (size_t i = 0; i < n; i++)
        CU_ASSERT(has_diag(m, WTA_ERROR, want[i].line, want[i].needle));
}

#define NOTE(seq, text) "{\"t\":1,\"th\":\"w0\",\"seq\":" #seq ",\"ev\":\"note\",\"text\":\"" \
    text "\"}\n"

/* The text of the note on line `line`, or NULL. */
static const char *note_at(const struct wta_model *m, uint32_t line)
{
    for (size_t i = 0; i < m->nevents; i++)
        if (m->events[i].line == line && m->events[i].kind == WTA_EV_NOTE)
            return wta_model_str(m, m->events[i].f[0]);
    return NULL;
}

/* Are a string's escapes read as cJSON reads them, by both readers? */
static void load_fast_escapes(void)
{
    int err;
    struct wta_model *m = load_both(HDR
        NOTE(0, "q\\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\f")
        NOTE(1, "plain")
        NOTE(2, "bad \\x escape")
        NOTE(3, "cut \\u0000 here")
        NOTE(4, "raw \x01 control")
        "{\"t\":1,\"th\":\"w\\u0030\",\"seq\":5,\"ev\":\"no\\u0074e\",\"text\":\"k\"}\n"
        "{\"t\":1,\"th\":\"w0\",\"seq\":6,\"ev\":\"note\",\"te\\u0078t\":\"k\"}\n", &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT_STRING_EQUAL(note_at(m, 2), "q\"b\\s/n\nt\tr\rb\bf\f");
    CU_ASSERT_STRING_EQUAL(note_at(m, 3), "plain");
    CU_ASSERT(has_diag(m, WTA_ERROR, 4, "not valid JSON"));
    CU_ASSERT_STRING_EQUAL(note_at(m, 5), "cut ");
    CU_ASSERT_STRING_EQUAL(note_at(m, 6), "raw \x01 control");
    CU_ASSERT_STRING_EQUAL(note_at(m, 7), "k");            /* th "w0", ev "note" */
    CU_ASSERT_STRING_EQUAL(m->threads[m->events[5].th].name, "w0");
    CU_ASSERT_STRING_EQUAL(note_at(m, 8), "k");            /* a key's escapes too: "text" */
    CU_ASSERT_EQUAL(m->nerrors, 1);
    wta_model_free(m);
}

/* Are \u escapes, surrogate pairs and bad ones read as cJSON reads them? */
static void load_fast_unicode(void)
{
    int err;
    struct wta_model *m = load_both(HDR
        NOTE(0, "\\u00e9\\u20AC\\ud83d\\ude00")
        NOTE(1, "\xc3\xa9 raw")
        NOTE(2, "lone low \\udc00")
        NOTE(3, "lone high \\ud83d!")
        NOTE(4, "high then not low \\ud83d\\u0041")
        NOTE(5, "bad hex \\u00zz")
        NOTE(6, "short \\u12"), &err);
    CU_ASSERT_EQUAL(err, -EINVAL);
    CU_ASSERT_STRING_EQUAL(note_at(m, 2), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    CU_ASSERT_STRING_EQUAL(note_at(m, 3), "\xc3\xa9 raw");
    for (uint32_t line = 4; line <= 6; line++)
        CU_ASSERT(has_diag(m, WTA_ERROR, line, "not valid JSON"));
    CU_ASSERT(has_diag(m, WTA_ERROR, 8, "not valid JSON"));
    /* cJSON reads a non-hex digit as 0: a NUL, which ends the string */
    CU_ASSERT_STRING_EQUAL(note_at(m, 7), "bad hex ");
    wta_model_free(m);
}

#define MARKV(seq, id, value) "{\"t\":1,\"th\":\"w0\",\"seq\":" #seq ",\"ev\":\"mark\"," \
    "\"id\":" id ",\"value\":" value "}\n"

/* Are big, negative and fractional numbers where integers are expected
 * judged the same by both readers? */
static void load_fast_numbers(void)
{
    int err;
    struct wta_model *m = load_both(HDR
        MARKV(0, "9007199254740992", "0")           /* 2^53: exact */
        MARKV(1, "9007199254740994", "0")           /* past 2^53 */
        MARKV(2, "-1", "0")
        MARKV(3, "1.5", "0")
        MARKV(4, "2.0", "0")                        /* cJSON: the integer 2 */
        MARKV(5, "3e2", "0")
        MARKV(6, "-0", "007")
        MARKV(7, "123456789012345678901234", "0")
        MARKV(8, "1e999", "0")
        MARKV(9, "- 1", "0")
        MARKV(10, "1234567890123456", "9007199254740993")   /* strtod: 2^53 */
        "{\"t\":-5,\"th\":\"w0\",\"seq\":11,\"ev\":\"mark\",\"id\":1,\"value\":1}\n"
        "{\"t\":1,\"th\":\"w0\",\"seq\":12,\"ev\":\"block_on.end\",\"result\":-110}\n", &err);
    static const struct want_diag want_errors[] = {
        {3, "field 'id': integer beyond 2^53"},
        {4, "field 'id': expected unsigned integer, got a negative"},
        {5, "field 'id': expected unsigned integer, got a fraction"},
        {9, "field 'id': integer beyond 2^53"},
        {10, "field 'id': integer beyond 2^53"},
        {11, "not valid JSON"},
        {13, "field 't': expected unsigned integer, got a negative"},
    };
    CU_ASSERT_EQUAL(err, -EINVAL);
    expect_errors(m, want_errors, sizeof want_errors / sizeof want_errors[0]);
    int64_t want[][2] = {{2, 9007199254740992}, {6, 2}, {7, 300}, {8, 0}, {12, 1234567890123456},
                         {14, -110}};
    CU_ASSERT_EQUAL_FATAL(m->nevents, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < m->nevents; i++) {
        CU_ASSERT_EQUAL(m->events[i].line, want[i][0]);
        CU_ASSERT_EQUAL(m->events[i].f[0], want[i][1]);
    }
    CU_ASSERT_EQUAL(m->events[3].f[1], 7);             /* "007" */
    CU_ASSERT_EQUAL(m->events[4].f[1], 9007199254740992);
    wta_model_free(m);
}

/* With a key twice, is the first one read, as cJSON's lookup finds it? */
static void load_fast_duplicate_keys(void)
{
    int err;
    struct wta_model *m = load_both(HDR
        "{\"t\":1,\"t\":9,\"th\":\"w0\",\"seq\":0,\"ev\":\"mark\",\"id\":4,\"id\":5,\"value\":6}\n"
        "{\"th\":\"w1\",\"t\":2,\"th\":\"w0\",\"seq\":1,\"ev\":\"mark\",\"value\":2,\"id\":3,"
        "\"value\":\"x\"}\n"
        "{\"t\":3,\"th\":\"w0\",\"seq\":2,\"ev\":\"mark\",\"ev\":\"note\",\"id\":1,\"value\":1}\n",
        &err);
    CU_ASSERT_EQUAL(err, 0);
    CU_ASSERT_EQUAL_FATAL(m->nevents, 3);
    CU_ASSERT(m->events[0].t_ns == 1 && m->events[0].f[0] == 4 && m->events[0].f[1] == 6);
    CU_ASSERT_STRING_EQUAL(m->threads[m->events[1].th].name, "w1");
    CU_ASSERT(m->events[1].f[0] == 3 && m->events[1].f[1] == 2);
    CU_ASSERT_EQUAL(m->events[2].kind, WTA_EV_MARK);
    wta_model_free(m);
}

/* Is whitespace between tokens read the same, and odd whitespace too? */
static void load_fast_whitespace(void)
{
    int err;
    struct wta_model *m = load_both(HDR
        " { \"t\" : 1 ,\t\"th\":\"w0\" , \"seq\":0,\"ev\" :\"mark\",\"id\":1,\"value\":2 } \r\n"
        "{\"t\":1,\"th\":\"w0\",\"seq\":1,\"ev\":\"mark\",\"id\":1,\"value\":2}\f\n"
        "{\"t\":1,\"th\":\"w0\",\"seq\":2,\"ev\":\"mark\",\f\"id\":1,\"value\":2}\n"
        "{\"t\":1,\"th\":\"w0\",\"seq\":3,\"ev\":\"mark\",\"id\":1,\"value\":2,}\n"
        "{\"t\":1,\"th\":\"w0\",\"seq\":4,\"ev\":\"mark\",\"id\":1,\"value\":[2]}\n"
        "{\"t\":1,\"th\":\"w0\",\"seq\":5,\"ev\":\"mark\",\"id\":1,\"value\":2,\"x\":{\"y\":[]}}\n"
        "{\"t\":1,\"th\":\"w0\",\"seq\":6,\"ev\":\"mark\",\"id\":1,\"value\":2} x\n"
        "{}\n", &err);
    static const struct want_diag want[] = {
        {3, "not valid JSON"}, {5, "not valid JSON"},
        {6, "field 'value': expected unsigned integer, got an array"},
        {8, "not valid JSON"}, {9, "field 't' missing"},
    };
    CU_ASSERT_EQUAL(err, -EINVAL);
    expect_errors(m, want, sizeof want / sizeof want[0]);
    CU_ASSERT_EQUAL(m->nevents, 3);                     /* lines 2, 4 (\f is space to cJSON), 7 */
    wta_model_free(m);
}

/* Two traces in one file (`cat a b`): is it "a second header", named by line? */
static void load_second_header(void)
{
    static const struct { const char *s; const char *diag; size_t nevents; } cases[] = {
        {HDR SPAWN(1, 0, 1) MARK(0)
         "{\"format\":\"wta-trace\",\"version\":1,\"workers\":2,\"bugs\":[]}\n"
         SPAWN(1, 0, 1) END(2, 1), "a second header at line 4", 2},
        {HDR MARK(0) "{\"format\":\"wta-trace\",\"version\":2}\n" MARK(1),   /* a flat one */
         "a second header at line 3", 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int err;
        struct wta_model *m = load_both(cases[k].s, &err);
        CU_ASSERT_EQUAL(err, -EINVAL);
        CU_ASSERT(has_diag(m, WTA_ERROR, m->diags[0].line, cases[k].diag));
        CU_ASSERT_EQUAL(m->nerrors, 1);                 /* read no further */
        CU_ASSERT_EQUAL(m->nevents, cases[k].nevents);
        wta_model_free(m);
    }
}

/* Do the model's field slots agree with wta_events.h? */
static void load_slots_match_event_list(void)
{
    CU_ASSERT_EQUAL(wta_schema_check_slots(), 0);
    CU_ASSERT_EQUAL(wta_event_kind("poll.begin"), WTA_EV_POLL_BEGIN);
    CU_ASSERT_EQUAL(wta_event_kind("no.such"), -1);
    CU_ASSERT_STRING_EQUAL(wta_event_name(WTA_EV_TRACE_END), "trace.end");
}

static void count_read(void *arg, uint64_t n)
{
    atomic_fetch_add((_Atomic uint64_t *)arg, n);
}

/* Does a watched load count every byte it read, as one reader and as two halves? */
static void load_watched_counts_bytes(void)
{
    static const char *file = "tests/data/small.jsonl";
    struct stat st;
    CU_ASSERT_FATAL(stat(file, &st) == 0);
    for (unsigned flags = 0; flags <= WTA_LOAD_SPLIT; flags += WTA_LOAD_SPLIT) {
        _Atomic uint64_t read = 0;
        struct wta_model *m = NULL;
        CU_ASSERT_EQUAL(wta_model_load_watched(file, flags, count_read, &read, &m), 0);
        CU_ASSERT_EQUAL(atomic_load(&read), (uint64_t)st.st_size);
        CU_ASSERT(m != NULL && m->nevents > 0);
        wta_model_free(m);
    }
}

void suite_load(void)
{
    CU_pSuite s = CU_add_suite("load", NULL, NULL);
    CU_add_test(s, "load_small_ok", load_small_ok);
    CU_add_test(s, "load_missing_file", load_missing_file);
    CU_add_test(s, "load_empty_file", load_empty_file);
    CU_add_test(s, "load_no_header", load_no_header);
    CU_add_test(s, "load_wrong_version", load_wrong_version);
    CU_add_test(s, "load_older_version", load_older_version);
    CU_add_test(s, "load_wake_without_cause", load_wake_without_cause);
    CU_add_test(s, "load_garbage", load_garbage);
    CU_add_test(s, "load_huge_line", load_huge_line);
    CU_add_test(s, "load_duplicate_seq", load_duplicate_seq);
    CU_add_test(s, "load_time_backwards", load_time_backwards);
    CU_add_test(s, "load_seq_gap", load_seq_gap);
    CU_add_test(s, "load_poll_end_without_begin", load_poll_end_without_begin);
    CU_add_test(s, "load_wake_unknown_task", load_wake_unknown_task);
    CU_add_test(s, "load_field_types", load_field_types);
    CU_add_test(s, "load_long_string", load_long_string);
    CU_add_test(s, "load_truncated_last_line", load_truncated_last_line);
    CU_add_test(s, "load_unknown_kind", load_unknown_kind);
    CU_add_test(s, "load_control_chars", load_control_chars);
    CU_add_test(s, "load_split_halves", load_split_halves);
    CU_add_test(s, "load_split_knows_version", load_split_knows_version);
    CU_add_test(s, "load_fast_escapes", load_fast_escapes);
    CU_add_test(s, "load_fast_unicode", load_fast_unicode);
    CU_add_test(s, "load_fast_numbers", load_fast_numbers);
    CU_add_test(s, "load_fast_duplicate_keys", load_fast_duplicate_keys);
    CU_add_test(s, "load_fast_whitespace", load_fast_whitespace);
    CU_add_test(s, "load_second_header", load_second_header);
    CU_add_test(s, "load_slots_match_event_list", load_slots_match_event_list);
    CU_add_test(s, "load_watched_counts_bytes", load_watched_counts_bytes);
}
