#include "memory.h"

#include <stdio.h>
#include <unistd.h>

double mf_memory_machine(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && size > 0 ? (double)pages * (double)size : 0;
}

double mf_memory_available(void)
{
    FILE *fp = fopen("/proc/meminfo", "r");
    if (!fp)
        return 0;
    char line[256];
    double kb = 0;
    while (fgets(line, sizeof line, fp))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1)
            break;
    fclose(fp);
    return kb * 1024.0;
}

char *mf_bytes_text(double b, char *buf, size_t n)
{
    static const char *const units[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
    int u = 0;
    while (b >= 1024 && u < 6) {
        b /= 1024;
        u++;
    }
    if (u == 0 && b == 1)
        snprintf(buf, n, "1 byte");
    else
        snprintf(buf, n, b < 10 && u > 0 ? "%.1f %s" : "%.0f %s", b, units[u]);
    return buf;
}
