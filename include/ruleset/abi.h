/* ruleset/abi.h: version numbers, the scalar type and status codes of the plugin ABI.
 *
 * A plugin includes <ruleset/plugin.h> (which includes this file) and nothing else of ruleset.
 *
 *   RS_ABI_MAJOR  bumped for any incompatible change: the host refuses plugins of another major.
 *   RS_ABI_MINOR  bumped when something is appended (a host function, a descriptor field, a
 *                 status code, a parameter type). A host loads plugins built against its own or
 *                 an older minor; it refuses a plugin that needs a newer minor.
 *
 * Everything that crosses the boundary is append-only; tests/unit/test_abi.c pins the layout.
 */
#ifndef RULESET_ABI_H
#define RULESET_ABI_H

#include <stddef.h>
#include <stdint.h>

#define RS_ABI_MAJOR 1
#define RS_ABI_MINOR 3

/* The scalar of every weight, activation and batch. float: the notebooks ruleset reproduces are
 * float32 PyTorch, and the tiny-network kernels vectorise twice as wide. A plugin built with
 * another rs_real is refused (rs_plugin_head.real_size). */
typedef float rs_real;

#if defined(_WIN32)
#define RS_EXPORT __declspec(dllexport)
#else
#define RS_EXPORT __attribute__((visibility("default")))
#endif

#if defined(__GNUC__)
#define RS_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define RS_PRINTF(fmt_index, first_arg)
#endif

/* Append only; never renumber (pinned in tests/unit/test_abi.c). */
typedef enum rs_status {
    RS_OK = 0,
    RS_ERR_NOMEM = 1,       /* an allocation failed */
    RS_ERR_PARAM = 2,       /* a parameter or spec value is invalid */
    RS_ERR_SHAPE = 3,       /* a network or task has a shape the plugin cannot handle */
    RS_ERR_NUMERIC = 4,     /* NaN or Inf where a finite number was needed */
    RS_ERR_IO = 5,          /* a file could not be read or written */
    RS_ERR_UNSUPPORTED = 6, /* the plugin does not support this request */
    RS_ERR_INTERNAL = 7     /* a bug: an invariant did not hold */
} rs_status;

#endif
