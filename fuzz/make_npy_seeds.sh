#!/bin/sh
# Writes the seed files of the NPY fuzz target (fuzz/corpus/npy/), byte by
# byte after NumPy's format description (numpy.lib.format): magic
# "\x93NUMPY", version, header length (2 bytes little-endian in 1.0, 4 in
# 2.0), a Python dict literal padded with spaces and '\n' so that the data
# starts at a multiple of 64, then the values, little-endian.
# Usage: fuzz/make_npy_seeds.sh DIR
set -eu
dir=${1:?usage: make_npy_seeds.sh DIR}
mkdir -p "$dir"

# header VERSION DICT: the magic, version and padded header.
header() {
    version=$1 dict=$2
    if [ "$version" = 1 ]; then pre=10; else pre=12; fi
    len=$(( ${#dict} + 1 ))
    pad=$(( (64 - (pre + len) % 64) % 64 ))
    len=$(( len + pad ))
    printf '\223NUMPY'
    if [ "$version" = 1 ]; then
        printf '\001\000'
        printf "\\$(printf %03o $((len % 256)))\\$(printf %03o $((len / 256)))"
    else
        printf '\002\000'
        printf "\\$(printf %03o $((len % 256)))\\$(printf %03o $((len / 256)))\\000\\000"
    fi
    printf '%s' "$dict"
    printf "%${pad}s" ''
    printf '\n'
}

# Little-endian float64 1.0, 2.0, 0.5, -1.0 and float32 1.0, -2.0.
one='\000\000\000\000\000\000\360\077'
two='\000\000\000\000\000\000\000\100'
half='\000\000\000\000\000\000\340\077'
mone='\000\000\000\000\000\000\360\277'
f4one='\000\000\200\077'
f4mtwo='\000\000\000\300'

{ header 1 "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
  printf "$one$two$half$mone$one$two"; } > "$dir/f8_2x3.npy"
{ header 1 "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
  printf "$f4one$f4mtwo$f4one"; } > "$dir/f4_vector.npy"
{ header 1 "{'descr': '<f8', 'fortran_order': False, 'shape': (), }"
  printf "$half"; } > "$dir/f8_scalar.npy"
{ header 1 "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }"
  printf "$one$two$half$mone"; } > "$dir/f8_fortran.npy"
{ header 2 "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }"
  printf "$one$two"; } > "$dir/v2_f8.npy"
{ header 1 "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }"
  printf "$one"; } > "$dir/i8_refused.npy"
{ header 1 "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }"
  printf "$one$two"; } > "$dir/truncated.npy"
