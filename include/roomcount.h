/*
 * roomcount: the rooms of a ListRooms answer counted, and their
 * num_participants summed, as the answer arrives: fed the JSON text in
 * pieces of any size, it follows its structure (strings and their
 * escapes, numbers, literals, nesting) with a state of fixed size, and
 * keeps neither the text nor a tree, so that counting 100,000 rooms takes
 * no more memory than counting one.
 *
 * What is counted:
 * - the answer is one JSON object (RFC 8259), with only whitespace around
 *   it;
 * - its rooms are the elements of its first "rooms" member when that is
 *   an array (absent, null or of another type: no rooms), and each must
 *   be an object;
 * - a room's participants are its first "num_participants" member when
 *   that is a plain non-negative integer up to UINT32_MAX (LiveKit's
 *   protojson writes a uint32 as a JSON number), else 0: absent, null, a
 *   string, a fraction or an exponent count nothing;
 * - keys are compared once their escapes are decoded; members of nested
 *   objects (a room's "version") and string values (its metadata, which
 *   may hold the text "rooms" or "num_participants") are not keys of a
 *   room or of the answer.
 *
 * Malformed input is an error: anything that is not JSON, an escape other
 * than JSON's, a \u escape of a lone surrogate (refused by cJSON too), a
 * raw control character in a string, nesting deeper than
 * ROOMCOUNT_MAX_DEPTH, a room that is not an object, text after the
 * object, or an answer that stops early.
 *
 * Pure: no allocation, no I/O, no clock; the struct is all the state.
 * Errors: once an error is found, roomcount_feed() and roomcount_end()
 * return -1 and the struct holds the reason (a static string) and the
 * byte offset where it was found; the counts are then meaningless.
 */
#ifndef LKGATE_ROOMCOUNT_H
#define LKGATE_ROOMCOUNT_H

#include <stddef.h>
#include <stdint.h>

/* Open objects and arrays at once, the answer itself included (a Room is
 * four deep in a ListRooms answer). */
#define ROOMCOUNT_MAX_DEPTH	64

struct roomcount {
	uint64_t	 rooms;		/* rooms so far */
	uint64_t	 participants;	/* their num_participants summed */
	const char	*error;		/* NULL, or why the input is refused */
	uint64_t	 offset;	/* bytes read; where the error is */
	/* The parser's state; only roomcount.c reads these. */
	uint64_t	 arrays;	/* bit d: container d + 1 is an array */
	uint64_t	 num;		/* the integer being read */
	const char	*want;		/* the key being compared with */
	uint32_t	 cp;		/* the \u escape being read */
	uint8_t		 state;
	uint8_t		 depth;
	uint8_t		 first;		/* just opened: may close at once */
	uint8_t		 is_key;
	uint8_t		 kpos;		/* bytes of want matched */
	uint8_t		 kmatch;	/* the key matches want so far */
	uint8_t		 pending;	/* what the next value is */
	uint8_t		 rooms_seen;	/* the answer's "rooms" was met */
	uint8_t		 rooms_open;	/* inside its array */
	uint8_t		 np_seen;	/* the room's num_participants was
					   met */
	uint8_t		 countable;	/* the number is a plain integer of
					   num_participants */
	uint8_t		 nhex;		/* hex digits of the escape read */
	uint8_t		 lit;		/* the literal being read */
	uint8_t		 litpos;
};

/* Makes rc ready for an answer (all zero but the state); also to start
 * over, as when an answer is sent again. */
void	roomcount_init(struct roomcount *rc);
/* Reads the next len bytes of the answer (any split, embedded NULs
 * included: they are errors).  0, or -1 when the input is malformed (then
 * and after: rc->error says why). */
int	roomcount_feed(struct roomcount *rc, const char *buf, size_t len);
/* The answer is complete: 0 when it was one whole object (the counts are
 * then final), else -1 with rc->error set. */
int	roomcount_end(struct roomcount *rc);

#endif
