/* loader.c: dlopen plugin files, check every ABI rule, and keep a registry of descriptors.
 * Each refusal is one line that names the file (and plugin), says what is wrong and what to
 * do; loading goes on with the next file. The same checks back `ruleset check-plugin`. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "registry.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctx.h"
#include "params.h"
#include "paths.h"
#include "task_data.h"
#include "tsv.h"

#define RS_MAX_PER_FILE 256 /* sanity cap on one file's index enumeration */

const char *rs_kind_name(int kind)
{
    switch (kind) {
    case RS_KIND_RULE: return "rule";
    case RS_KIND_ACTIVATION: return "activation";
    case RS_KIND_TASK: return "task";
    }
    return "unknown";
}

rs_registry *rs_registry_create_for(const rs_host *host)
{
    rs_registry *reg = calloc(1, sizeof *reg);
    if (reg)
        reg->host = host;
    rs_task_data_set_host(host);
    return reg;
}

void rs_registry_destroy(rs_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->n_plugins; i++)
        free(reg->plugins[i].file);
    for (size_t i = 0; i < reg->n_refused; i++)
        free(reg->refused[i]);
    for (size_t i = 0; i < reg->n_seen; i++)
        free(reg->seen_files[i]);
    for (size_t i = 0; i < reg->n_notes; i++)
        free(reg->notes[i]);
    free(reg->notes);
    rs_task_data_unload_all(); /* task data hook: unload runs before its .so is closed */
    /* Leak-checkers cannot symbolise frames of unloaded objects; we close anyway at the very
     * end, when no instance lives any more. */
    for (size_t i = 0; i < reg->n_handles; i++)
        dlclose(reg->handles[i]);
    free(reg->plugins);
    free(reg->refused);
    free(reg->handles);
    free(reg->seen_files);
    free(reg->builtin_dir);
    free(reg);
}

/* Grow-and-append for the registry's arrays. */
static int push(void **arr, size_t *n, size_t *cap, size_t elem, const void *item)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        void *na = realloc(*arr, nc * elem);
        if (!na)
            return -1;
        *arr = na;
        *cap = nc;
    }
    memcpy((char *)*arr + *n * elem, item, elem);
    (*n)++;
    return 0;
}

/* The last refusal is also a note, printed by every command (registry.h). */
static void note_last(rs_registry *reg)
{
    char *line = reg->n_refused ? strdup(reg->refused[reg->n_refused - 1]) : NULL;
    if (reg->n_notes && line && !strcmp(reg->notes[reg->n_notes - 1], line)) {
        free(line); /* noted already */
        return;
    }
    if (line && push((void **)&reg->notes, &reg->n_notes, &reg->cap_notes, sizeof line, &line))
        free(line);
}

static void refuse(rs_registry *reg, const char *fmt, ...) RS_PRINTF(2, 3);
static void refuse(rs_registry *reg, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *line = strdup(buf);
    if (line && push((void **)&reg->refused, &reg->n_refused, &reg->cap_refused, sizeof line,
                     &line) != 0)
        free(line);
    if (reg->named_now) /* the user asked for this file: say why it is not there */
        note_last(reg);
}

static int valid_name(const char *s)
{
    if (!s || !*s || strlen(s) > 63)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* The size of the 1.0 descriptor of a kind: a plugin's struct may be larger (newer minor),
 * never smaller. */
static size_t min_desc_size(int kind)
{
    switch (kind) {
    case RS_KIND_RULE: return offsetof(rs_rule_desc, predict) + sizeof(void *);
    case RS_KIND_ACTIVATION: return sizeof(rs_activation_desc);
    case RS_KIND_TASK: return sizeof(rs_task_desc);
    }
    return 0;
}

/* The name of the first required callback that is NULL, or NULL when all are there. */
static const char *missing_callback(const rs_plugin_head *h)
{
    if (h->kind == RS_KIND_RULE) {
        const rs_rule_desc *d = (const rs_rule_desc *)h;
        if (!d->create) return "create";
        if (!d->step) return "step";
        if (!d->destroy) return "destroy";
        /* meta-training needs all three */
        if (RS_RULE_HAS(d, dstep) && (d->dstep || d->meta_shapes || d->meta_init)) {
            if (!d->dstep) return "dstep (it has meta_shapes/meta_init)";
            if (!d->meta_shapes) return "meta_shapes (it has dstep)";
            if (!d->meta_init) return "meta_init (it has dstep)";
        }
    } else if (h->kind == RS_KIND_ACTIVATION) {
        const rs_activation_desc *d = (const rs_activation_desc *)h;
        if (!d->forward) return "forward";
        if (!d->derivative) return "derivative";
    } else if (h->kind == RS_KIND_TASK) {
        const rs_task_desc *d = (const rs_task_desc *)h;
        if (!d->create) return "create";
        if (!d->batch) return "batch";
        if (!d->eval_set) return "eval_set";
        if (!d->solved) return "solved";
        if (!d->destroy) return "destroy";
        if (RS_TASK_FN(d, load) && !RS_TASK_FN(d, unload)) return "unload (it has load)";
    }
    return NULL;
}

/* The first text of the descriptor that holds a control character, or NULL: the host prints
 * these strings (list, explain, reports), and an ESC or CR in them could rewrite the screen. */
static const char *control_text(const rs_plugin_head *h)
{
    if (rs_has_control(h->version)) return "version";
    if (rs_has_control(h->summary)) return "summary";
    if (h->citation && rs_has_control(h->citation)) return "citation";
    for (const rs_param_spec *p = h->params; p && p->name; p++)
        if (rs_has_control(p->help) || rs_has_control(p->def_str) || rs_has_control(p->choices))
            return "parameter help or default";
    return NULL;
}

/* Whether h takes the name of a plugin loaded before it (one refusal line if so). A plugin
 * found in a folder may not replace a built-in one: a stray rules/backprop.so would silently
 * change every comparison with backprop. Only a file the user named may. */
static int clash(rs_registry *reg, const char *path, const char *who, const rs_plugin_head *h,
                 int builtin)
{
    for (size_t i = 0; i < reg->n_plugins; i++) {
        const rs_plugin_rec *o = &reg->plugins[i];
        if (o->head->kind != h->kind || strcmp(o->head->name, h->name) != 0)
            continue;
        if (o->builtin && !builtin && !reg->named_now) {
            refuse(reg, "%s (%s): may not replace the built-in %s of that name (%s); rename it, "
                        "or name this file with --plugin to use it instead",
                   path, who, rs_kind_name(h->kind), o->file);
            note_last(reg);
        } else if (builtin && o->named)
            refuse(reg, "%s (%s): replaced by %s, named with --plugin", path, who, o->file);
        else
            refuse(reg, "%s (%s): duplicate %s name, already loaded from %s; rename one of them",
                   path, who, rs_kind_name(h->kind), o->file);
        return 1;
    }
    return 0;
}

/* Every check of one descriptor. 0 = fine; otherwise one refusal line was recorded. */
static int check_head(rs_registry *reg, const char *path, const rs_plugin_head *h, uint32_t idx,
                      int builtin)
{
    const char *name = h->name && valid_name(h->name) ? h->name : NULL;
    char who[128];
    if (name)
        snprintf(who, sizeof who, "plugin '%s'", name);
    else
        snprintf(who, sizeof who, "plugin #%u", idx);

    if (h->abi_major != RS_ABI_MAJOR) {
        refuse(reg, "%s (%s): built for ruleset ABI %u.%u; this ruleset speaks %d.%d. Rebuild it "
                    "against this version's include/ruleset",
               path, who, h->abi_major, h->abi_minor, RS_ABI_MAJOR, RS_ABI_MINOR);
        return 1;
    }
    if (h->abi_minor > RS_ABI_MINOR) {
        refuse(reg, "%s (%s): needs ABI %u.%u, this ruleset provides %d.%d; upgrade ruleset",
               path, who, h->abi_major, h->abi_minor, RS_ABI_MAJOR, RS_ABI_MINOR);
        return 1;
    }
    if (h->real_size != sizeof(rs_real)) {
        refuse(reg, "%s (%s): built with a %u-byte rs_real, this ruleset uses %zu bytes; rebuild "
                    "it against this version's include/ruleset",
               path, who, h->real_size, sizeof(rs_real));
        return 1;
    }
    if (h->kind != RS_KIND_RULE && h->kind != RS_KIND_ACTIVATION && h->kind != RS_KIND_TASK) {
        refuse(reg, "%s (%s): unknown plugin kind %u (want rule, activation or task)", path, who,
               h->kind);
        return 1;
    }
    if (h->struct_size < min_desc_size(h->kind)) {
        refuse(reg, "%s (%s): descriptor is %u bytes, smaller than a %s descriptor of ABI %d.0 "
                    "(%zu); fill it with RS_PLUGIN_HEAD(...)",
               path, who, h->struct_size, rs_kind_name(h->kind), RS_ABI_MAJOR,
               min_desc_size(h->kind));
        return 1;
    }
    if (!name) {
        refuse(reg, "%s (%s): invalid name '%s'; names are 1-63 characters of [a-z0-9_]", path,
               who, h->name ? h->name : "(null)");
        return 1;
    }
    if (!h->version || !h->summary) {
        refuse(reg, "%s (%s): missing %s; every plugin states a version and a one-line summary",
               path, who, !h->version ? "version" : "summary");
        return 1;
    }
    const char *cb = missing_callback(h);
    if (cb) {
        refuse(reg, "%s (%s): required %s callback '%s' is NULL", path, who,
               rs_kind_name(h->kind), cb);
        return 1;
    }
    char err[512];
    if (rs_param_table_check(h->params, err, sizeof err)) {
        refuse(reg, "%s (%s): malformed parameter table: %s", path, who, err);
        return 1;
    }
    const char *bad = control_text(h);
    if (bad) {
        refuse(reg, "%s (%s): its %s holds a control character (ESC, CR, tab, ...), which would "
                    "reach the terminal raw; use printable text",
               path, who, bad);
        return 1;
    }
    if (h->kind == RS_KIND_RULE) {
        const char *const *m = ((const rs_rule_desc *)h)->metric_names;
        int k = 0;
        for (; m && m[k]; k++)
            if (!valid_name(m[k]) || k >= RS_MAX_METRICS) {
                refuse(reg, "%s (%s): metric_names[%d] is invalid or past the %d allowed", path,
                       who, k, RS_MAX_METRICS);
                return 1;
            }
    }
    return clash(reg, path, who, h, builtin);
}

/* Whether the file (a real path) lies directly in the built-in plugin folder. */
static int in_builtin_dir(const rs_registry *reg, const char *real)
{
    const char *slash = strrchr(real, '/');
    size_t n = reg->builtin_dir ? strlen(reg->builtin_dir) : 0;
    return n && slash && (size_t)(slash - real) == n && strncmp(real, reg->builtin_dir, n) == 0;
}

/* The descriptors of an open file, each checked and kept or refused. */
static rs_status take_descriptors(rs_registry *reg, const char *path, void *handle,
                                  rs_plugin_entry_fn entry, int builtin)
{
    const rs_plugin_head *seen[RS_MAX_PER_FILE];
    size_t added = 0, refused_before = reg->n_refused;
    uint32_t idx = 0;
    int repeats = 0;
    for (; idx < RS_MAX_PER_FILE && !repeats; idx++) {
        const rs_plugin_head *h = entry(reg->host, idx);
        if (!h)
            break;
        for (uint32_t k = 0; k < idx && !repeats; k++)
            repeats = seen[k] == h; /* an index the file forgot to end */
        seen[idx] = h;
        if (repeats || check_head(reg, path, h, idx, builtin))
            continue;
        rs_plugin_rec rec = { h, strdup(path), builtin, reg->named_now };
        if (!rec.file || push((void **)&reg->plugins, &reg->n_plugins, &reg->cap_plugins,
                              sizeof rec, &rec) != 0) {
            free(rec.file);
            return RS_ERR_NOMEM;
        }
        added++;
    }
    if (idx == 0)
        refuse(reg, "%s: rs_plugin_entry returned no plugin at index 0; it must describe at least "
                    "one",
               path);
    else if (repeats || idx == RS_MAX_PER_FILE) {
        while (reg->n_refused > refused_before + 1) /* one line for the file, not one an index */
            free(reg->refused[--reg->n_refused]);
        refuse(reg, "%s: rs_plugin_entry never returned NULL (%s %u); end the list with NULL",
               path, repeats ? "an earlier descriptor again at index" : "stopped after index",
               idx - 1);
    }
    if (added == 0) {
        dlclose(handle);
        return reg->n_refused > refused_before ? RS_ERR_PARAM : RS_ERR_INTERNAL;
    }
    if (push((void **)&reg->handles, &reg->n_handles, &reg->cap_handles, sizeof handle,
             &handle) != 0)
        return RS_ERR_NOMEM;
    return reg->n_refused > refused_before ? RS_ERR_PARAM : RS_OK;
}

/* dlopen, rs_plugin_entry, the descriptors. */
static rs_status open_file(rs_registry *reg, const char *path, const char *real, int builtin)
{
    void *handle = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        refuse(reg, "%s: not a loadable shared object (%s)", path, dlerror());
        return RS_ERR_PARAM;
    }
    rs_plugin_entry_fn entry;
    *(void **)&entry = dlsym(handle, "rs_plugin_entry"); /* POSIX's sanctioned cast */
    if (!entry) {
        refuse(reg, "%s: no rs_plugin_entry symbol; is this a ruleset plugin? See docs/PLUGINS.md",
               path);
        dlclose(handle);
        return RS_ERR_PARAM;
    }
    return take_descriptors(reg, path, handle, entry, builtin);
}

/* A third party's file opened first in a child process, which loads it as the host would and
 * exits: its constructors, its entry function and the descriptors it points to run there, so
 * a crash (or a hang, cut at RS_PROBE_SECONDS) costs the child, and the file is refused with
 * one line. 0 when the child came through; the file is then loaded for real. */
#define RS_PROBE_SECONDS 30
static int probe(rs_registry *reg, const char *path, const char *real)
{
    fflush(stdout); /* the child must not write the parent's buffered output again */
    fflush(stderr);
    int alive[2]; /* the child's end closes when it ends: poll wakes at once, no sleeping */
    if (pipe(alive) != 0)
        return 0; /* no probe possible: load it in process, as before */
    pid_t pid = fork();
    if (pid < 0) {
        close(alive[0]);
        close(alive[1]);
        return 0;
    }
    if (pid == 0) {
        close(alive[0]);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) /* the parent says what happened; sanitizer reports stay out */
            dup2(devnull, STDERR_FILENO);
        open_file(reg, path, real, 0);
        _exit(0); /* no atexit handlers, no destructors, no stdio flush of the parent's */
    }
    close(alive[1]);
    struct pollfd pfd = { .fd = alive[0], .events = POLLIN };
    int ready;
    while ((ready = poll(&pfd, 1, RS_PROBE_SECONDS * 1000)) < 0 && errno == EINTR)
        ;
    close(alive[0]);
    if (ready == 0)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (ready == 0) {
        refuse(reg, "%s: hung while loading (no answer in %d s from its constructors or its "
                    "entry function); it is skipped",
               path, RS_PROBE_SECONDS);
        note_last(reg);
        return 1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status))
        refuse(reg, "%s: crashed while loading (%s in its entry function, a constructor or a "
                    "descriptor it points to); it is skipped",
               path, strsignal(WTERMSIG(status)));
    else /* exit() in a constructor, or a sanitizer's report of the fault */
        refuse(reg, "%s: crashed while loading (exit status %d in its entry function, a "
                    "constructor or a descriptor it points to); it is skipped",
               path, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    note_last(reg);
    return 1;
}

static rs_status add_file_now(rs_registry *reg, const char *path)
{
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        refuse(reg, "%s: %s; check the path", path, strerror(errno));
        return RS_ERR_IO;
    }
    for (size_t i = 0; i < reg->n_seen; i++)
        if (strcmp(reg->seen_files[i], real) == 0)
            return RS_OK; /* the same file reached twice (e.g. by flag and by path) */
    char *seen = strdup(real);
    if (!seen || push((void **)&reg->seen_files, &reg->n_seen, &reg->cap_seen, sizeof seen,
                      &seen) != 0) {
        free(seen);
        return RS_ERR_NOMEM;
    }
    int builtin = in_builtin_dir(reg, real);
    if (!builtin && probe(reg, path, real))
        return RS_ERR_PARAM;
    return open_file(reg, path, real, builtin);
}

/* One file, found in a folder or named (`named`: the user asked for it). */
static rs_status add_file(rs_registry *reg, const char *path, int named)
{
    reg->named_now = named;
    rs_status st = add_file_now(reg, path);
    reg->named_now = 0;
    return st;
}

rs_status rs_registry_add_file(rs_registry *reg, const char *path)
{
    return add_file(reg, path, 1);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

rs_status rs_registry_add_dir(rs_registry *reg, const char *dir, int required)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (required)
            refuse(reg, "%s: cannot open plugin folder (%s)", dir, strerror(errno));
        return required ? RS_ERR_IO : RS_OK;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 3 && strcmp(e->d_name + len - 3, ".so") == 0) {
            char *full = malloc(strlen(dir) + len + 2);
            if (!full)
                break;
            sprintf(full, "%s/%s", dir, e->d_name);
            if (push((void **)&names, &n, &cap, sizeof full, &full) != 0) {
                free(full);
                break;
            }
        }
    }
    closedir(d);
    if (n > 1) /* a stable order: duplicates resolve the same way (qsort(NULL, 0) is UB) */
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        add_file(reg, names[i], 0);
        free(names[i]);
    }
    free(names);
    return RS_OK;
}

rs_status rs_registry_discover(rs_registry *reg, char **files, size_t n_files, char **dirs,
                               size_t n_dirs)
{
    /* Known first, so plugins reached through a flag or $RULESET_PLUGIN_PATH that are the
     * built-in files are still marked built in. The named files come before the built-ins
     * (the user's choice wins); every folder after them (a folder's plugin may not shadow a
     * built-in: clash()). */
    char dir[PATH_MAX], real[PATH_MAX];
    if (!reg->builtin_dir && rs_builtin_plugin_dir(dir, sizeof dir) == 0 && realpath(dir, real))
        reg->builtin_dir = strdup(real);
    for (size_t i = 0; i < n_files; i++)
        rs_registry_add_file(reg, files[i]);
    if (reg->builtin_dir) /* the built-in plugins, beside the executable (paths.h) */
        rs_registry_add_dir(reg, reg->builtin_dir, 0);
    for (size_t i = 0; i < n_dirs; i++)
        rs_registry_add_dir(reg, dirs[i], 1);
    const char *env = getenv("RULESET_PLUGIN_PATH");
    if (env && *env) {
        char *copy = strdup(env), *save = NULL;
        for (char *p = copy ? strtok_r(copy, ":", &save) : NULL; p; p = strtok_r(NULL, ":", &save)) {
            size_t len = strlen(p);
            if (len > 3 && strcmp(p + len - 3, ".so") == 0)
                add_file(reg, p, 0);
            else
                rs_registry_add_dir(reg, p, 0);
        }
        free(copy);
    }
    rs_registry_add_dir(reg, "rules", 0); /* the project's drop-in folder */
    return RS_OK;
}

const rs_plugin_head *rs_registry_find(const rs_registry *reg, int kind, const char *name)
{
    for (size_t i = 0; i < reg->n_plugins; i++)
        if (reg->plugins[i].head->kind == kind && strcmp(reg->plugins[i].head->name, name) == 0)
            return reg->plugins[i].head;
    return NULL;
}

const rs_plugin_rec *rs_registry_rec(const rs_registry *reg, const rs_plugin_head *head)
{
    for (size_t i = 0; i < reg->n_plugins; i++)
        if (reg->plugins[i].head == head)
            return &reg->plugins[i];
    return NULL;
}

void rs_registry_names(const rs_registry *reg, int kind, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < reg->n_plugins && used < size; i++)
        if (reg->plugins[i].head->kind == kind)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                                     reg->plugins[i].head->name);
}
