// Shared by the compute shaders: the flat index of an invocation over a 2-D grid of 1-D
// workgroups (vk-runtime.h groups_for), and workgroup reductions through shared memory.
#ifndef SAM3RT_COMMON_GLSL
#define SAM3RT_COMMON_GLSL

uint flat_index() {
  return (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
}

#endif
