;; Prints "lane: 7" computed with a v128 instruction: the compiled tier does not cover SIMD yet, so
;; `azoth-exec --tier compiled` runs it on the interpreter and says so (wasi.fallback-reported).
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "lane: ?\n")
  (data (i32.const 0) "\10\00\00\00\08\00\00\00")
  (func (export "_start")
    (i32.store8 (i32.const 22)
      (i32.add (i32.const 48) (i32x4.extract_lane 2 (v128.const i32x4 5 6 7 8))))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))))
