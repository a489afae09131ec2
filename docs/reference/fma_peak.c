// The FMA peak quoted in docs/performance.md ("The machines"): 12 independent vfmadd231ps
// chains per thread, ymm then zmm (zmm only where the compiler targets AVX-512), on 1 and 2
// threads. Not part of the build.
//   clang -O2 -march=native docs/reference/fma_peak.c -o /tmp/fma_peak -lpthread && /tmp/fma_peak
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
#include <pthread.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define ITER 200000000L
static float sink;
static void *y256(void*a){__m256 c[12];__m256 x=_mm256_set1_ps(1.0000001f),y=_mm256_set1_ps(0.9999999f);
 for(int i=0;i<12;i++)c[i]=_mm256_set1_ps(i);
 for(long n=0;n<ITER;n++){for(int i=0;i<12;i++)c[i]=_mm256_fmadd_ps(c[i],x,y);}
 float s=0;for(int i=0;i<12;i++)s+=c[i][0];sink+=s;return 0;}
#ifdef __AVX512F__
static void *z512(void*a){__m512 c[12];__m512 x=_mm512_set1_ps(1.0000001f),y=_mm512_set1_ps(0.9999999f);
 for(int i=0;i<12;i++)c[i]=_mm512_set1_ps(i);
 for(long n=0;n<ITER/2;n++){for(int i=0;i<12;i++)c[i]=_mm512_fmadd_ps(c[i],x,y);}
 float s=0;for(int i=0;i<12;i++)s+=c[i][0];sink+=s;return 0;}
#endif
static void run(const char*name,void*(*f)(void*),int threads,double flops){pthread_t t[2];double s=now();
 for(int i=0;i<threads;i++)pthread_create(&t[i],0,f,0);for(int i=0;i<threads;i++)pthread_join(t[i],0);
 double e=now()-s;printf("%s threads=%d %.1f GFLOP/s\n",name,threads,flops*threads/e/1e9);}
int main(){for(int th=1;th<=2;th++){run("ymm",y256,th,(double)ITER*12*16);
#ifdef __AVX512F__
 run("zmm",z512,th,(double)ITER/2*12*32);
#endif
}return 0;}
