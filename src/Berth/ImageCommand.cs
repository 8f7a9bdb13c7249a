using Berth.Kubelet.Images;
using Berth.Kubelet.Runc;

namespace Berth;

/// <summary><c>berth image import FILE [--data-dir DIR] [--name REF]</c> and <c>berth image list [--data-dir DIR]</c>.</summary>
internal static class ImageCommand
{
    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("import" or "list"))
            throw new ArgumentException("usage: berth image import FILE [--data-dir DIR] [--name REF] | berth image list [--data-dir DIR]");
        string dataDir = Path.Combine(Environment.CurrentDirectory, ".berth");
        string? file = null, name = null;
        for (int i = 1; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--data-dir": dataDir = Value(); break;
                case "--name": name = Value(); break;
                default:
                    if (args[0] == "import" && file is null && !args[i].StartsWith('-')) file = args[i];
                    else throw new ArgumentException($"unknown argument \"{args[i]}\"");
                    break;
            }
        }
        var store = new ImageStore(ProcessRuntimeFactory.ImageStoreDir(dataDir));
        if (args[0] == "list") return List(store);
        if (file is null) throw new ArgumentException("berth image import needs the archive FILE");
        IReadOnlyList<ImportedImage> images;
        try { images = ImageImporter.Import(store, file, name); }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot import {file}: {e.Message}");
        }
        foreach (var img in images)
        {
            var names = img.References.Count > 0 ? string.Join(", ", img.References) : "(no name: give one with --name REF)";
            Console.WriteLine($"{(img.New ? "imported" : "already present")}: {names} {img.Id} ({img.Layers} layer{(img.Layers == 1 ? "" : "s")})");
        }
        return 0;
    }

    private static int List(ImageStore store)
    {
        Console.WriteLine($"{"REFERENCE",-60} IMAGE ID");
        foreach (var img in store.List())
            foreach (var r in img.References)
                Console.WriteLine($"{r,-60} {img.Id[..Math.Min(img.Id.Length, 19)]}");
        return 0;
    }
}
