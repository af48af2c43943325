/*
 * num.h: parsing numbers from text without atoi's silent failures.
 * hm_parse_long: the whole of s is a decimal integer in [min, max].
 * Returns 0, or -HM_EINVAL (out holds nothing new).
 */
#ifndef HM_NUM_H
#define HM_NUM_H

int hm_parse_long(const char *s, long min, long max, long *out);

#endif
