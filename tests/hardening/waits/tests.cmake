# Waits and long calls (docs/security.md): every blocking wait is killable, long host calls are
# bounded, deadlines cost O(log n). Included by tests/hardening/CMakeLists.txt (hosted build).
#
# boot.<arch>.hardening-waits (labels fault;boot): esp-waits.img, whose init (waits-supervisor)
# kills a module blocked in each kind of wait — sleep, stdin read, stdin poll, event_wait,
# random_get of 2 MiB, child wait, a call whose server handler sleeps, a call queued behind a busy
# server — and a server whose handler sleeps 2^63 ns / reads stdin on a caller's thread (finding
# 4); each kill must complete in under 1 s median, 4 s each (guest monotonic clock).
azoth_image_boot_tests(hardening-waits ${CMAKE_CURRENT_LIST_DIR}/waits-boot-test.py SECONDS 90 150 LABELS fault boot
    TIMEOUT 250)

# Hosted (labels unit;fault): the deadline heap of the scheduler's sleepers and the TimerQueue
# (kernel/sched/DeadlineHeap.h) — order, removal, and O(n log n) comparisons for n sleepers / n
# periodic timers due in one tick (a sorted list needs ~n^2/2).
if(TARGET ath_sched AND TARGET ath_object)
    find_package(GTest REQUIRED)
    include(GoogleTest)
    add_executable(waits_unit_tests ${CMAKE_CURRENT_LIST_DIR}/DeadlineHeapTest.cpp)
    target_link_libraries(waits_unit_tests PRIVATE ath_sched ath_object ath_wasm_hosted ath_hosted GTest::gtest GTest::gtest_main)
    # gtest_add_tests (sources scanned at configure time) so both labels can be set on the list.
    gtest_add_tests(TARGET waits_unit_tests TEST_PREFIX hardening.waits. TEST_LIST waits_unit_test_names)
    set_tests_properties(${waits_unit_test_names} PROPERTIES LABELS "unit;fault")
endif()
