# The hardening tests' booted modules and images (arch builds; included by modules/initrd.cmake).
# Each topic of tests/hardening declares its own in <topic>/images.cmake.
foreach(topic abi resources waits soak clocks)
    if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/${topic}/images.cmake)
        include(${CMAKE_CURRENT_LIST_DIR}/${topic}/images.cmake)
    endif()
endforeach()
