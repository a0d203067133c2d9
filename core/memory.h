/* The machine's memory, and byte counts for messages. Used to refuse work
 * that cannot fit before allocating it: a huge malloc fails deep inside,
 * or, with overcommit, gets the process killed much later. */
#ifndef MF_CORE_MEMORY_H
#define MF_CORE_MEMORY_H

#include <stddef.h>

/* Physical memory in bytes, or 0 when unknown. */
double mf_memory_machine(void);
/* MemAvailable of /proc/meminfo in bytes, or 0 when unknown. */
double mf_memory_available(void);
/* "512 bytes", "7.8 GB", "8 TB" (powers of 1024, as free(1) prints them). */
char *mf_bytes_text(double bytes, char *buf, size_t n);

#endif
