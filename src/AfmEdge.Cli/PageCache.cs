using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AfmEdge.Cli;

/// <summary>
/// Drops one file's pages from the Linux page cache (posix_fadvise DONTNEED after an fsync), so the next read comes
/// from the disk. It needs no privileges, unlike /proc/sys/vm/drop_caches, which is why `bench formats` can measure a
/// cold read on any board.
/// </summary>
internal static partial class PageCache
{
    private const int AdviseDontNeed = 4; // POSIX_FADV_DONTNEED on Linux, every architecture.

    public static bool CanEvict => OperatingSystem.IsLinux();

    /// <summary>Writes the file's dirty pages out and asks the kernel to forget all of them; false when it refused.</summary>
    public static bool Evict(string path)
    {
        if (!CanEvict)
        {
            return false;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        // Dirty pages cannot be dropped; they must reach the disk first.
        stream.Flush(flushToDisk: true);
        return Advise(stream.SafeFileHandle, 0, 0, AdviseDontNeed) == 0;
    }

    private static int Advise(SafeFileHandle handle, long offset, long length, int advice)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return PosixFadvise((int)handle.DangerousGetHandle(), offset, length, advice);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int fd, long offset, long length, int advice);
}
