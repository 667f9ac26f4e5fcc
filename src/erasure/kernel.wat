;; GF(2^8) matrix-times-regions kernel with WebAssembly SIMD128 (split-nibble tables, i8x16.swizzle).
;;
;; Source of src/erasure/kernel-wasm.generated.ts: after editing, run `npm run build:wasm`. The build
;; also emits a relaxed-SIMD variant with every i8x16.swizzle replaced by i8x16.relaxed_swizzle; that is
;; exact here because every index is a nibble (< 16), and saves V8 the out-of-range fix-up.
;;
;; c·x = c·(x & 0x0f) XOR c·(x & 0xf0), so one 16-entry table per nibble turns a GF multiply of 16 bytes
;; into two swizzles and a XOR. High nibbles use i16x8.shr_u plus the 0x0f mask (V8 emulates i8x16.shr_u
;; with more instructions).
;;
;; Speed (V8 on x64, measured against the native @ronomon/reed-solomon): the loop is bound by vector ALU
;; work, and on SIMD128 every swizzle costs V8 a vpaddusb fix-up besides the vpshufb, which no
;; formulation avoids (V8 11 drops it only for constant indices). So the kernel cuts everything else:
;; - every input block is loaded and split into nibbles once for up to four output rows ($rows1..$rows4),
;;   whose accumulators stay in registers; m > 4 rows go in groups of four;
;; - blocks are as wide as x64's 16 xmm registers allow without spills (V8 keeps xmm15 as scratch):
;;   64 bytes for one or two rows, 48 for three, 32 for four;
;; - the first input of each block is peeled off, so accumulators start as its products (no zeroing, one
;;   XOR fewer); this also keeps V8's register allocator from spilling the four-row loop.
;; The code is unrolled by hand accordingly; it repeats itself on purpose.
;;
;; The memory is imported, so one compiled module serves every arena (kernel-arena.ts); the build also
;; emits a variant importing a *shared* memory, which worker threads compute in at the same time, each on
;; the byte ranges it claims (pool.ts). Linear memory, laid out by kernel-arena.ts:
;;   [0, 8192)       the nibble tables of all 256 coefficients c, 32 bytes each at c * 32:
;;                   bytes 0..15 are c·x for x = 0..15, bytes 16..31 are c·(x << 4) for x = 0..15
;;   coef            the m × k coefficient matrix, row-major, one byte each
;;   ins, outs       tables of k input and m output region addresses (i32 each): regions may lie
;;                   anywhere, so shards allocated in memory are used where they are, without copies
;;   control         two words the threads of a pool count chunks with (kernel-arena.ts)
;; Every call computes bytes [from, to) of each output region from the same bytes of the inputs; from
;; and to are multiples of 32 with from < to, and k ≥ 1. Tails are the caller's: it computes the last
;; length % 32 bytes through padded scratch regions.
;;
;; Every $rowsR function computes R output rows, at the addresses outs[0..R), from the R coefficient rows
;; at coef, coef + k, ...; it takes blocks of the width above while a whole one is left and returns where
;; it stopped. $mulMatrix finishes the remainder (16 to 48 bytes) row by row with $tail.
(module
  (import "env" "memory" (memory 1))


  ;; 1 row, 64-byte blocks.
  (func $rows1 (param $coef i32) (param $k i32) (param $ins i32) (param $outs i32) (param $from i32)
    (param $to i32) (result i32)
    (local $i i32) (local $c i32) (local $p i32) (local $q i32) (local $a i32) (local $t i32)
    (local $mask v128) (local $x v128) (local $lo v128) (local $hi v128)
    (local $l0 v128) (local $h0 v128) (local $l1 v128) (local $h1 v128) (local $l2 v128) (local $h2 v128) (local $l3 v128) (local $h3 v128)
    (local $r0v0 v128) (local $r0v1 v128) (local $r0v2 v128) (local $r0v3 v128)
    (local.set $mask (i8x16.splat (i32.const 0x0f)))
    (local.set $i (local.get $from))
    (block $end
      (br_if $end (i32.gt_u (i32.add (local.get $i) (i32.const 64)) (local.get $to)))
      (loop $blocks
        (local.set $a (local.get $ins)) (local.set $q (local.get $coef)) (local.set $c (local.get $k))
        ;; first input: the products start the accumulators
        (local.set $p (i32.add (i32.load (local.get $a)) (local.get $i)))
        (local.set $x (v128.load (local.get $p))) (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $x (v128.load offset=16 (local.get $p))) (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $x (v128.load offset=32 (local.get $p))) (local.set $l2 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h2 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $x (v128.load offset=48 (local.get $p))) (local.set $l3 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h3 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $t (i32.shl (i32.load8_u (local.get $q)) (i32.const 5)))
        (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
        (local.set $r0v0 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0))))
        (local.set $r0v1 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1))))
        (local.set $r0v2 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l2)) (i8x16.swizzle (local.get $hi) (local.get $h2))))
        (local.set $r0v3 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l3)) (i8x16.swizzle (local.get $hi) (local.get $h3))))
        (local.set $a (i32.add (local.get $a) (i32.const 4))) (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (block $last
          (br_if $last (i32.eqz (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
          (loop $inputs
            ;; next input
            (local.set $p (i32.add (i32.load (local.get $a)) (local.get $i)))
            (local.set $x (v128.load (local.get $p))) (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
            (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $x (v128.load offset=16 (local.get $p))) (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
            (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $x (v128.load offset=32 (local.get $p))) (local.set $l2 (v128.and (local.get $x) (local.get $mask)))
            (local.set $h2 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $x (v128.load offset=48 (local.get $p))) (local.set $l3 (v128.and (local.get $x) (local.get $mask)))
            (local.set $h3 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $t (i32.shl (i32.load8_u (local.get $q)) (i32.const 5)))
            (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
            (local.set $r0v0 (v128.xor (local.get $r0v0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
            (local.set $r0v1 (v128.xor (local.get $r0v1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
            (local.set $r0v2 (v128.xor (local.get $r0v2) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l2)) (i8x16.swizzle (local.get $hi) (local.get $h2)))))
            (local.set $r0v3 (v128.xor (local.get $r0v3) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l3)) (i8x16.swizzle (local.get $hi) (local.get $h3)))))
            (local.set $a (i32.add (local.get $a) (i32.const 4))) (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br_if $inputs (local.tee $c (i32.sub (local.get $c) (i32.const 1))))))
        (local.set $p (i32.add (i32.load (local.get $outs)) (local.get $i)))
        (v128.store (local.get $p) (local.get $r0v0))
        (v128.store offset=16 (local.get $p) (local.get $r0v1))
        (v128.store offset=32 (local.get $p) (local.get $r0v2))
        (v128.store offset=48 (local.get $p) (local.get $r0v3))
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br_if $blocks (i32.le_u (i32.add (local.get $i) (i32.const 64)) (local.get $to)))))
    (local.get $i))

  ;; 2 rows, 64-byte blocks.
  (func $rows2 (param $coef i32) (param $k i32) (param $ins i32) (param $outs i32) (param $from i32)
    (param $to i32) (result i32)
    (local $i i32) (local $c i32) (local $p i32) (local $q i32) (local $a i32) (local $t i32)
    (local $mask v128) (local $x v128) (local $lo v128) (local $hi v128)
    (local $l0 v128) (local $h0 v128) (local $l1 v128) (local $h1 v128) (local $l2 v128) (local $h2 v128) (local $l3 v128) (local $h3 v128)
    (local $r0v0 v128) (local $r0v1 v128) (local $r0v2 v128) (local $r0v3 v128)
    (local $r1v0 v128) (local $r1v1 v128) (local $r1v2 v128) (local $r1v3 v128)
    (local.set $mask (i8x16.splat (i32.const 0x0f)))
    (local.set $i (local.get $from))
    (block $end
      (br_if $end (i32.gt_u (i32.add (local.get $i) (i32.const 64)) (local.get $to)))
      (loop $blocks
        (local.set $a (local.get $ins)) (local.set $q (local.get $coef)) (local.set $c (local.get $k))
        ;; first input: the products start the accumulators
        (local.set $p (i32.add (i32.load (local.get $a)) (local.get $i)))
        (local.set $x (v128.load (local.get $p))) (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $x (v128.load offset=16 (local.get $p))) (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $x (v128.load offset=32 (local.get $p))) (local.set $l2 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h2 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $x (v128.load offset=48 (local.get $p))) (local.set $l3 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h3 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $t (i32.shl (i32.load8_u (local.get $q)) (i32.const 5)))
        (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
        (local.set $r0v0 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0))))
        (local.set $r0v1 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1))))
        (local.set $r0v2 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l2)) (i8x16.swizzle (local.get $hi) (local.get $h2))))
        (local.set $r0v3 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l3)) (i8x16.swizzle (local.get $hi) (local.get $h3))))
        (local.set $t (i32.shl (i32.load8_u (i32.add (local.get $q) (local.get $k))) (i32.const 5)))
        (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
        (local.set $r1v0 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0))))
        (local.set $r1v1 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1))))
        (local.set $r1v2 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l2)) (i8x16.swizzle (local.get $hi) (local.get $h2))))
        (local.set $r1v3 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l3)) (i8x16.swizzle (local.get $hi) (local.get $h3))))
        (local.set $a (i32.add (local.get $a) (i32.const 4))) (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (block $last
          (br_if $last (i32.eqz (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
          (loop $inputs
            ;; next input
            (local.set $p (i32.add (i32.load (local.get $a)) (local.get $i)))
            (local.set $x (v128.load (local.get $p))) (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
            (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $x (v128.load offset=16 (local.get $p))) (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
            (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $x (v128.load offset=32 (local.get $p))) (local.set $l2 (v128.and (local.get $x) (local.get $mask)))
            (local.set $h2 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $x (v128.load offset=48 (local.get $p))) (local.set $l3 (v128.and (local.get $x) (local.get $mask)))
            (local.set $h3 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $t (i32.shl (i32.load8_u (local.get $q)) (i32.const 5)))
            (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
            (local.set $r0v0 (v128.xor (local.get $r0v0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
            (local.set $r0v1 (v128.xor (local.get $r0v1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
            (local.set $r0v2 (v128.xor (local.get $r0v2) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l2)) (i8x16.swizzle (local.get $hi) (local.get $h2)))))
            (local.set $r0v3 (v128.xor (local.get $r0v3) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l3)) (i8x16.swizzle (local.get $hi) (local.get $h3)))))
            (local.set $t (i32.shl (i32.load8_u (i32.add (local.get $q) (local.get $k))) (i32.const 5)))
            (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
            (local.set $r1v0 (v128.xor (local.get $r1v0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
            (local.set $r1v1 (v128.xor (local.get $r1v1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
            (local.set $r1v2 (v128.xor (local.get $r1v2) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l2)) (i8x16.swizzle (local.get $hi) (local.get $h2)))))
            (local.set $r1v3 (v128.xor (local.get $r1v3) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l3)) (i8x16.swizzle (local.get $hi) (local.get $h3)))))
            (local.set $a (i32.add (local.get $a) (i32.const 4))) (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br_if $inputs (local.tee $c (i32.sub (local.get $c) (i32.const 1))))))
        (local.set $p (i32.add (i32.load (local.get $outs)) (local.get $i)))
        (v128.store (local.get $p) (local.get $r0v0))
        (v128.store offset=16 (local.get $p) (local.get $r0v1))
        (v128.store offset=32 (local.get $p) (local.get $r0v2))
        (v128.store offset=48 (local.get $p) (local.get $r0v3))
        (local.set $p (i32.add (i32.load offset=4 (local.get $outs)) (local.get $i)))
        (v128.store (local.get $p) (local.get $r1v0))
        (v128.store offset=16 (local.get $p) (local.get $r1v1))
        (v128.store offset=32 (local.get $p) (local.get $r1v2))
        (v128.store offset=48 (local.get $p) (local.get $r1v3))
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br_if $blocks (i32.le_u (i32.add (local.get $i) (i32.const 64)) (local.get $to)))))
    (local.get $i))

  ;; 3 rows, 48-byte blocks.
  (func $rows3 (param $coef i32) (param $k i32) (param $ins i32) (param $outs i32) (param $from i32)
    (param $to i32) (result i32)
    (local $i i32) (local $c i32) (local $p i32) (local $q i32) (local $a i32) (local $t i32)
    (local $mask v128) (local $x v128) (local $lo v128) (local $hi v128)
    (local $l0 v128) (local $h0 v128) (local $l1 v128) (local $h1 v128) (local $l2 v128) (local $h2 v128)
    (local $r0v0 v128) (local $r0v1 v128) (local $r0v2 v128)
    (local $r1v0 v128) (local $r1v1 v128) (local $r1v2 v128)
    (local $r2v0 v128) (local $r2v1 v128) (local $r2v2 v128)
    (local.set $mask (i8x16.splat (i32.const 0x0f)))
    (local.set $i (local.get $from))
    (block $end
      (br_if $end (i32.gt_u (i32.add (local.get $i) (i32.const 48)) (local.get $to)))
      (loop $blocks
        (local.set $a (local.get $ins)) (local.set $q (local.get $coef)) (local.set $c (local.get $k))
        ;; first input: the products start the accumulators
        (local.set $p (i32.add (i32.load (local.get $a)) (local.get $i)))
        (local.set $x (v128.load (local.get $p))) (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $x (v128.load offset=16 (local.get $p))) (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $x (v128.load offset=32 (local.get $p))) (local.set $l2 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h2 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $t (i32.shl (i32.load8_u (local.get $q)) (i32.const 5)))
        (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
        (local.set $r0v0 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0))))
        (local.set $r0v1 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1))))
        (local.set $r0v2 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l2)) (i8x16.swizzle (local.get $hi) (local.get $h2))))
        (local.set $t (i32.shl (i32.load8_u (i32.add (local.get $q) (local.get $k))) (i32.const 5)))
        (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
        (local.set $r1v0 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0))))
        (local.set $r1v1 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1))))
        (local.set $r1v2 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l2)) (i8x16.swizzle (local.get $hi) (local.get $h2))))
        (local.set $t (i32.shl (i32.load8_u (i32.add (local.get $q) (i32.mul (local.get $k) (i32.const 2)))) (i32.const 5)))
        (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
        (local.set $r2v0 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0))))
        (local.set $r2v1 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1))))
        (local.set $r2v2 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l2)) (i8x16.swizzle (local.get $hi) (local.get $h2))))
        (local.set $a (i32.add (local.get $a) (i32.const 4))) (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (block $last
          (br_if $last (i32.eqz (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
          (loop $inputs
            ;; next input
            (local.set $p (i32.add (i32.load (local.get $a)) (local.get $i)))
            (local.set $x (v128.load (local.get $p))) (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
            (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $x (v128.load offset=16 (local.get $p))) (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
            (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $x (v128.load offset=32 (local.get $p))) (local.set $l2 (v128.and (local.get $x) (local.get $mask)))
            (local.set $h2 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $t (i32.shl (i32.load8_u (local.get $q)) (i32.const 5)))
            (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
            (local.set $r0v0 (v128.xor (local.get $r0v0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
            (local.set $r0v1 (v128.xor (local.get $r0v1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
            (local.set $r0v2 (v128.xor (local.get $r0v2) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l2)) (i8x16.swizzle (local.get $hi) (local.get $h2)))))
            (local.set $t (i32.shl (i32.load8_u (i32.add (local.get $q) (local.get $k))) (i32.const 5)))
            (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
            (local.set $r1v0 (v128.xor (local.get $r1v0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
            (local.set $r1v1 (v128.xor (local.get $r1v1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
            (local.set $r1v2 (v128.xor (local.get $r1v2) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l2)) (i8x16.swizzle (local.get $hi) (local.get $h2)))))
            (local.set $t (i32.shl (i32.load8_u (i32.add (local.get $q) (i32.mul (local.get $k) (i32.const 2)))) (i32.const 5)))
            (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
            (local.set $r2v0 (v128.xor (local.get $r2v0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
            (local.set $r2v1 (v128.xor (local.get $r2v1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
            (local.set $r2v2 (v128.xor (local.get $r2v2) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l2)) (i8x16.swizzle (local.get $hi) (local.get $h2)))))
            (local.set $a (i32.add (local.get $a) (i32.const 4))) (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br_if $inputs (local.tee $c (i32.sub (local.get $c) (i32.const 1))))))
        (local.set $p (i32.add (i32.load (local.get $outs)) (local.get $i)))
        (v128.store (local.get $p) (local.get $r0v0))
        (v128.store offset=16 (local.get $p) (local.get $r0v1))
        (v128.store offset=32 (local.get $p) (local.get $r0v2))
        (local.set $p (i32.add (i32.load offset=4 (local.get $outs)) (local.get $i)))
        (v128.store (local.get $p) (local.get $r1v0))
        (v128.store offset=16 (local.get $p) (local.get $r1v1))
        (v128.store offset=32 (local.get $p) (local.get $r1v2))
        (local.set $p (i32.add (i32.load offset=8 (local.get $outs)) (local.get $i)))
        (v128.store (local.get $p) (local.get $r2v0))
        (v128.store offset=16 (local.get $p) (local.get $r2v1))
        (v128.store offset=32 (local.get $p) (local.get $r2v2))
        (local.set $i (i32.add (local.get $i) (i32.const 48)))
        (br_if $blocks (i32.le_u (i32.add (local.get $i) (i32.const 48)) (local.get $to)))))
    (local.get $i))

  ;; 4 rows, 32-byte blocks.
  (func $rows4 (param $coef i32) (param $k i32) (param $ins i32) (param $outs i32) (param $from i32)
    (param $to i32) (result i32)
    (local $i i32) (local $c i32) (local $p i32) (local $q i32) (local $a i32) (local $t i32)
    (local $mask v128) (local $x v128) (local $lo v128) (local $hi v128)
    (local $l0 v128) (local $h0 v128) (local $l1 v128) (local $h1 v128)
    (local $r0v0 v128) (local $r0v1 v128)
    (local $r1v0 v128) (local $r1v1 v128)
    (local $r2v0 v128) (local $r2v1 v128)
    (local $r3v0 v128) (local $r3v1 v128)
    (local.set $mask (i8x16.splat (i32.const 0x0f)))
    (local.set $i (local.get $from))
    (block $end
      (br_if $end (i32.gt_u (i32.add (local.get $i) (i32.const 32)) (local.get $to)))
      (loop $blocks
        (local.set $a (local.get $ins)) (local.set $q (local.get $coef)) (local.set $c (local.get $k))
        ;; first input: the products start the accumulators
        (local.set $p (i32.add (i32.load (local.get $a)) (local.get $i)))
        (local.set $x (v128.load (local.get $p))) (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $x (v128.load offset=16 (local.get $p))) (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $t (i32.shl (i32.load8_u (local.get $q)) (i32.const 5)))
        (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
        (local.set $r0v0 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0))))
        (local.set $r0v1 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1))))
        (local.set $t (i32.shl (i32.load8_u (i32.add (local.get $q) (local.get $k))) (i32.const 5)))
        (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
        (local.set $r1v0 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0))))
        (local.set $r1v1 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1))))
        (local.set $t (i32.shl (i32.load8_u (i32.add (local.get $q) (i32.mul (local.get $k) (i32.const 2)))) (i32.const 5)))
        (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
        (local.set $r2v0 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0))))
        (local.set $r2v1 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1))))
        (local.set $t (i32.shl (i32.load8_u (i32.add (local.get $q) (i32.mul (local.get $k) (i32.const 3)))) (i32.const 5)))
        (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
        (local.set $r3v0 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0))))
        (local.set $r3v1 (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1))))
        (local.set $a (i32.add (local.get $a) (i32.const 4))) (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (block $last
          (br_if $last (i32.eqz (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
          (loop $inputs
            ;; next input
            (local.set $p (i32.add (i32.load (local.get $a)) (local.get $i)))
            (local.set $x (v128.load (local.get $p))) (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
            (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $x (v128.load offset=16 (local.get $p))) (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
            (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $t (i32.shl (i32.load8_u (local.get $q)) (i32.const 5)))
            (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
            (local.set $r0v0 (v128.xor (local.get $r0v0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
            (local.set $r0v1 (v128.xor (local.get $r0v1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
            (local.set $t (i32.shl (i32.load8_u (i32.add (local.get $q) (local.get $k))) (i32.const 5)))
            (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
            (local.set $r1v0 (v128.xor (local.get $r1v0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
            (local.set $r1v1 (v128.xor (local.get $r1v1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
            (local.set $t (i32.shl (i32.load8_u (i32.add (local.get $q) (i32.mul (local.get $k) (i32.const 2)))) (i32.const 5)))
            (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
            (local.set $r2v0 (v128.xor (local.get $r2v0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
            (local.set $r2v1 (v128.xor (local.get $r2v1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
            (local.set $t (i32.shl (i32.load8_u (i32.add (local.get $q) (i32.mul (local.get $k) (i32.const 3)))) (i32.const 5)))
            (local.set $lo (v128.load (local.get $t))) (local.set $hi (v128.load offset=16 (local.get $t)))
            (local.set $r3v0 (v128.xor (local.get $r3v0) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l0)) (i8x16.swizzle (local.get $hi) (local.get $h0)))))
            (local.set $r3v1 (v128.xor (local.get $r3v1) (v128.xor (i8x16.swizzle (local.get $lo) (local.get $l1)) (i8x16.swizzle (local.get $hi) (local.get $h1)))))
            (local.set $a (i32.add (local.get $a) (i32.const 4))) (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br_if $inputs (local.tee $c (i32.sub (local.get $c) (i32.const 1))))))
        (local.set $p (i32.add (i32.load (local.get $outs)) (local.get $i)))
        (v128.store (local.get $p) (local.get $r0v0))
        (v128.store offset=16 (local.get $p) (local.get $r0v1))
        (local.set $p (i32.add (i32.load offset=4 (local.get $outs)) (local.get $i)))
        (v128.store (local.get $p) (local.get $r1v0))
        (v128.store offset=16 (local.get $p) (local.get $r1v1))
        (local.set $p (i32.add (i32.load offset=8 (local.get $outs)) (local.get $i)))
        (v128.store (local.get $p) (local.get $r2v0))
        (v128.store offset=16 (local.get $p) (local.get $r2v1))
        (local.set $p (i32.add (i32.load offset=12 (local.get $outs)) (local.get $i)))
        (v128.store (local.get $p) (local.get $r3v0))
        (v128.store offset=16 (local.get $p) (local.get $r3v1))
        (local.set $i (i32.add (local.get $i) (i32.const 32)))
        (br_if $blocks (i32.le_u (i32.add (local.get $i) (i32.const 32)) (local.get $to)))))
    (local.get $i))

  ;; One row, 16-byte blocks, for the 16 to 48 bytes that wider blocks leave at the end of a range.
  (func $tail (param $coef i32) (param $k i32) (param $ins i32) (param $out i32) (param $from i32) (param $to i32)
    (local $i i32) (local $c i32) (local $p i32) (local $q i32) (local $a i32) (local $t i32)
    (local $mask v128) (local $x v128) (local $acc v128)
    (local.set $mask (i8x16.splat (i32.const 0x0f)))
    (local.set $i (local.get $from))
    (loop $blocks
      (local.set $acc (v128.const i64x2 0 0))
      (local.set $a (local.get $ins)) (local.set $q (local.get $coef)) (local.set $c (local.get $k))
      (loop $inputs
        (local.set $x (v128.load (i32.add (i32.load (local.get $a)) (local.get $i))))
        (local.set $t (i32.shl (i32.load8_u (local.get $q)) (i32.const 5)))
        (local.set $acc (v128.xor (local.get $acc) (v128.xor
          (i8x16.swizzle (v128.load (local.get $t)) (v128.and (local.get $x) (local.get $mask)))
          (i8x16.swizzle (v128.load offset=16 (local.get $t))
            (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask))))))
        (local.set $a (i32.add (local.get $a) (i32.const 4))) (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br_if $inputs (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
      (v128.store (i32.add (local.get $out) (local.get $i)) (local.get $acc))
      (br_if $blocks (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $to)))))

  ;; out[r][from..to) = XOR over c of coef[r * k + c] · in[c][from..to), for r < m: rows in groups of up
  ;; to four, then each row's remainder past the group's last whole block through $tail.
  (func (export "mulMatrix") (param $coef i32) (param $k i32) (param $m i32) (param $ins i32) (param $outs i32)
    (param $from i32) (param $to i32)
    (local $n i32) (local $done i32) (local $r i32)
    (loop $groups
      (local.set $n (select (local.get $m) (i32.const 4) (i32.lt_u (local.get $m) (i32.const 4))))
      (block $called
        (block $four (block $three (block $two (block $one
          (br_table $one $two $three $four (i32.sub (local.get $n) (i32.const 1))))
          (local.set $done (call $rows1 (local.get $coef) (local.get $k) (local.get $ins) (local.get $outs)
            (local.get $from) (local.get $to)))
          (br $called))
          (local.set $done (call $rows2 (local.get $coef) (local.get $k) (local.get $ins) (local.get $outs)
            (local.get $from) (local.get $to)))
          (br $called))
          (local.set $done (call $rows3 (local.get $coef) (local.get $k) (local.get $ins) (local.get $outs)
            (local.get $from) (local.get $to)))
          (br $called))
        (local.set $done (call $rows4 (local.get $coef) (local.get $k) (local.get $ins) (local.get $outs)
          (local.get $from) (local.get $to))))
      (if (i32.lt_u (local.get $done) (local.get $to))
        (then
          (local.set $r (i32.const 0))
          (loop $rows
            (call $tail (i32.add (local.get $coef) (i32.mul (local.get $k) (local.get $r))) (local.get $k)
              (local.get $ins) (i32.load (i32.add (local.get $outs) (i32.shl (local.get $r) (i32.const 2))))
              (local.get $done) (local.get $to))
            (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $n))))))
      (local.set $coef (i32.add (local.get $coef) (i32.mul (local.get $k) (local.get $n))))
      (local.set $outs (i32.add (local.get $outs) (i32.shl (local.get $n) (i32.const 2))))
      (br_if $groups (local.tee $m (i32.sub (local.get $m) (local.get $n)))))))
