/* registry.h: the plugin loader and the name -> descriptor registry.
 *
 * Files are loaded in discovery order; each refusal is one line kept in `refused` (and the
 * loader goes on). Libraries stay open until the registry is destroyed. */
#ifndef RS_REGISTRY_H
#define RS_REGISTRY_H

#include <stddef.h>

#include <ruleset/host.h>
#include <ruleset/plugin.h>

/* Does rule descriptor d (const rs_rule_desc *) have `field`? Callbacks appended after 1.0
 * exist only in descriptors compiled large enough (read them only through this). */
#define RS_RULE_HAS(d, field) \
    ((d)->head.struct_size >= offsetof(rs_rule_desc, field) + sizeof((d)->field))
#define RS_RULE_FN(d, field) (RS_RULE_HAS(d, field) ? (d)->field : NULL)

typedef struct rs_plugin_entry_rec {
    const rs_plugin_head *head;
    char *file;   /* the path it was loaded from */
    int builtin;  /* loaded from the built-in plugin folder (paths.h), not a third party's */
    int named;    /* its file was named (--plugin FILE, check-plugin FILE), not found in a folder */
} rs_plugin_rec;

typedef struct rs_registry {
    rs_plugin_rec *plugins;
    size_t n_plugins, cap_plugins;
    char **refused;       /* one line each: "FILE: what was wrong; what to do" */
    size_t n_refused, cap_refused;
    void **handles;       /* dlopen handles, closed at destroy */
    size_t n_handles, cap_handles;
    char **seen_files;    /* real paths already loaded, so a file found twice loads once */
    size_t n_seen, cap_seen;
    char *builtin_dir;    /* real path of the built-in plugin folder, or NULL */
    const rs_host *host;  /* the table every plugin's entry point is given */
    char **notes;         /* refusals every command prints (rs_cli_registry): those of named
                           * files, of plugins that would shadow a built-in, of crashes */
    size_t n_notes, cap_notes;
    int named_now;        /* the file being loaded was named */
} rs_registry;

/* An empty registry whose plugins will be handed `host` (loader.c knows no host table of its
 * own, so the loader sits below the table and everything the table reaches). */
rs_registry *rs_registry_create_for(const rs_host *host);
/* rs_registry_create_for(rs_host_get()): the registry every command and test uses. */
rs_registry *rs_registry_create(void);
/* The one host table (host.c). */
const rs_host *rs_host_get(void);
void rs_registry_destroy(rs_registry *reg);
/* Load one file the user named (--plugin FILE). RS_OK when it added at least one plugin;
 * otherwise the refusal lines were appended to reg->refused and a non-OK status is returned.
 * A file outside the built-in folder is first opened in a child process (a probe), so that
 * one that crashes while loading is refused instead of taking the command down. */
rs_status rs_registry_add_file(rs_registry *reg, const char *path);
/* Load every *.so in dir, in name order. A missing dir is not an error unless `required`. */
rs_status rs_registry_add_dir(rs_registry *reg, const char *dir, int required);
/* The standard discovery, in this order: the files named (--plugin), the built-in plugin
 * folder (the build tree's or the installed one), the folders given (--plugin-dir),
 * $RULESET_PLUGIN_PATH, ./rules. The first plugin of a name wins; one found in a folder may
 * not take a built-in's name (refused with a note), only a named file may. */
rs_status rs_registry_discover(rs_registry *reg, char **files, size_t n_files, char **dirs,
                               size_t n_dirs);
const rs_plugin_head *rs_registry_find(const rs_registry *reg, int kind, const char *name);
/* The record of a loaded descriptor (its file, whether it is built in), or NULL. */
const rs_plugin_rec *rs_registry_rec(const rs_registry *reg, const rs_plugin_head *head);
/* "a, b, c": the names of one kind, for "unknown plugin" messages. */
void rs_registry_names(const rs_registry *reg, int kind, char *buf, size_t size);
/* "did you mean 'x'? known: a, b, c" (or "known: ..." when no name is near `name`): the tail
 * of an "unknown plugin" message (names_hint.c). */
void rs_registry_hint(const rs_registry *reg, int kind, const char *name, char *buf,
                      size_t size);
const char *rs_kind_name(int kind);

#endif
