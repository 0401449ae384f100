/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one grammar of xlb: config-file statements, xlbctl commands and
 * control-socket requests are the same words, parsed here from keyword
 * tables. A parse only validates and fills struct cmd; it changes nothing.
 */
#ifndef XLB_CMD_H
#define XLB_CMD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include "addr.h"
#include "health_conf.h"

enum cmd_verb {
	CMD_NONE = 0,
	/* objects: config file and runtime */
	CMD_VIP_ADD,		/* vip add PROTO ADDR:PORT [sticky] [mode M] */
	CMD_VIP_DEL,		/* vip del PROTO ADDR:PORT */
	CMD_BACKEND_ADD,	/* backend add PROTO VIP:PORT ADDR [weight N] */
	CMD_BACKEND_WEIGHT,	/* backend weight PROTO VIP:PORT ADDR N */
	CMD_BACKEND_DRAIN,	/* backend drain PROTO VIP:PORT ADDR [timeout D] */
	CMD_BACKEND_UNDRAIN,	/* backend undrain PROTO VIP:PORT ADDR */
	CMD_BACKEND_DEL,	/* backend del PROTO VIP:PORT ADDR [force] */
	CMD_HEALTH_SET,		/* health PROTO VIP:PORT CHECK [options]
				 * (runtime: health set ...) */
	CMD_AGENT_SET,		/* agent PROTO VIP:PORT port N [interval D]
				 * [timeout D] [damp-interval D]
				 * [damp-change PCT] (runtime: agent set) */
	CMD_AGENT_DEL,		/* agent del PROTO VIP:PORT */
	/* queries and actions: runtime only */
	CMD_VIP_LIST,		/* vip list */
	CMD_STATUS,		/* status */
	CMD_FLOWS,		/* flows [PROTO VIP:PORT] [limit N] */
	CMD_SAVE,		/* save */
	CMD_SHUTDOWN,		/* shutdown: detach the data path, exit */
	CMD_STATS,		/* stats: the stats file's text, now */
	CMD_HEALTH_SHOW,	/* health show [PROTO VIP:PORT] */
	CMD_VRRP_SHOW,		/* vrrp show */
	CMD_VRRP_PRIORITY,	/* vrrp priority VRID N */
	/* daemon statements: config file only */
	CMD_INTERFACE,		/* interface IFACE [generic] */
	CMD_HASH_SEED,		/* hash-seed N */
	CMD_ENCAP_SOURCE,	/* encap-source ADDR (one per family) */
	CMD_CONNTRACK_SIZE,	/* conntrack-size N */
	CMD_TABLE_SIZE,		/* table-size N (prime) */
	CMD_UDP_TIMEOUT,	/* udp-timeout DURATION */
	CMD_STATS_FILE,		/* stats FILE [interval DURATION] */
	CMD_FLOOD_RATE,		/* flood-rate N (0: off) */
	CMD_GUE_PORT,		/* gue-port N */
	CMD_VRRP,		/* vrrp VRID priority N [options] (see below) */
	CMD__MAX
};

/* Addresses in one vrrp statement (a line has at most 48 words). */
#define CMD_VRRP_ADDRS_MAX	16
#define CMD_NOTIFY_MAX		256
#define CMD_VRRP_ADVERT_DEFAULT_MS	100

/*
 * vrrp VRID priority N [peer ADDR] [advert DURATION] [nopreempt]
 *      [preempt-delay DURATION] [interface IFACE] [track-interface N]
 *      [track-vips N] [notify PATH] [address ADDR...]
 * address takes every following word up to the next keyword.
 */
struct cmd_vrrp {
	__u8 vrid;		/* 1..255 */
	__u8 prio;		/* 1..254 */
	bool nopreempt;
	__u16 advert_cs;	/* 1..4095 centiseconds */
	__u64 preempt_delay_ms;	/* 0: none */
	struct ip_addr peer;	/* family 0: multicast */
	char iface[IF_NAMESIZE];	/* "": the daemon's interface */
	__u8 track_iface;	/* decrement while the data path's link is down */
	__u8 track_vips;	/* decrement while a VIP has no backend up */
	char notify[CMD_NOTIFY_MAX];	/* "": none */
	unsigned int naddrs;	/* 0: the VIP addresses */
	struct ip_addr addrs[CMD_VRRP_ADDRS_MAX];
};

/* Where a statement may appear. */
#define CMD_CTX_CONFIG	(1u << 0)
#define CMD_CTX_RUNTIME	(1u << 1)

/*
 * What a verb is, given with its words in the grammar table: exactly one
 * of MUTATES and QUERY; SETTING only with MUTATES.
 */
#define CMD_F_MUTATES	(1u << 0)	/* changes the config: conf_apply */
#define CMD_F_QUERY	(1u << 1)	/* runtime only: answers or acts,
					 * the config unchanged */
#define CMD_F_SETTING	(1u << 2)	/* a daemon setting, once a file */

struct cmd {
	enum cmd_verb verb;
	__u8 proto;		/* IPPROTO_TCP / IPPROTO_UDP */
	__u8 mode;		/* XLB_MODE_* */
	__u16 port;		/* VIP port, host order */
	__u32 vip_flags;	/* XLB_VIP_F_* */
	struct ip_addr vip;
	struct ip_addr addr;	/* backend, encap source */
	__u32 weight;		/* backend add (default 100) / weight */
	__u64 num;		/* hash-seed, conntrack-size, table-size */
	__u64 duration_ms;	/* drain timeout (0 = none), udp-timeout,
				 * stats interval */
	bool force;		/* backend del ... force */
	bool has_vip;		/* flows: a VIP filter was given */
	__u64 limit;		/* flows: list at most this many, 0: all */
	bool generic;		/* interface ... generic */
	char iface[IF_NAMESIZE];
	char path[PATH_MAX];	/* stats FILE: absolute, printable */
	struct health_check check;	/* health: kind NONE removes it */
	bool fail_closed;	/* health ... fail-closed */
	struct health_agent agent;	/* agent set */
	struct cmd_vrrp vrrp;	/* vrrp; vrrp priority: vrid and prio */
};

/* flows ... limit N: the bounds (no limit without the word). */
#define CMD_FLOWS_LIMIT_MIN		1
#define CMD_FLOWS_LIMIT_MAX		UINT32_MAX

/* stats FILE [interval DURATION]: the interval's bounds and default. */
#define CMD_STATS_INTERVAL_MIN_MS	10
#define CMD_STATS_INTERVAL_MAX_MS	3600000
#define CMD_STATS_INTERVAL_DEFAULT_MS	5000

/*
 * Parse one statement. ctx is CMD_CTX_CONFIG or CMD_CTX_RUNTIME; a verb not
 * allowed there is an error. On error returns -EINVAL, leaves *out alone
 * and writes a message naming the bad word and, where it helps, the valid
 * ones, e.g. "unknown word 'vips'; expected one of: vip backend status ...".
 * Bad words are quoted with non-printable bytes as '?', at most 40 bytes.
 */
int cmd_parse(int argc, char *const *argv, unsigned int ctx, struct cmd *out,
	      char *err, size_t errlen);
/* Split a line into words at blanks, '#' starts a comment. Returns argc, or
 * -E2BIG past maxargs. Modifies line. */
int cmd_split(char *line, char **argv, int maxargs);
/* The usage text listing every runtime command. */
const char *cmd_usage(void);
/* True for the verbs conf_apply accepts: objects and daemon settings
 * (not the queries, not shutdown, not vrrp priority). */
bool cmd_verb_mutates(enum cmd_verb verb);
/* True for a daemon setting: config file only, at most one statement of it
 * in a file (encap-source: one per address family). */
bool cmd_verb_is_setting(enum cmd_verb verb);
/* Calls fn for each leaf of the grammar: its verb, the contexts it is
 * parsed in and its CMD_F_* flags. A verb may have one leaf per context
 * (health: a statement in a file, "health set" at runtime). */
typedef void (*cmd_walk_fn)(void *arg, enum cmd_verb verb, unsigned int ctx,
			    unsigned int flags);
void cmd_walk(cmd_walk_fn fn, void *arg);
/* An XLB_MODE_* as the grammar spells it: "ipip", "gue" or "l2". */
const char *cmd_mode_name(__u8 mode);

#endif /* XLB_CMD_H */
