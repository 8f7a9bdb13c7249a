using System.Reflection;

namespace Berth.Bench;

/// <summary>A benchmark that prints its own numbers (each beside the baseline it is compared with).</summary>
public interface IBenchmark
{
    string Name { get; }
    string Description { get; }
    Task RunAsync(string[] args);
}

public static class Program
{
    // Usage: dotnet run -c Release --project bench/Berth.Bench -- [name ...]   (no name: list them)
    public static async Task<int> Main(string[] args)
    {
        var all = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name).ToList();
        if (args.Length == 0)
        {
            Console.WriteLine("benchmarks (run with their names, or 'all'):");
            foreach (var b in all) Console.WriteLine($"  {b.Name,-20} {b.Description}");
            return 0;
        }
        var chosen = args[0] == "all" ? all : all.Where(b => b.Name == args[0]).ToList();
        if (chosen.Count == 0) { Console.Error.WriteLine($"no benchmark named '{args[0]}'"); return 2; }
        foreach (var b in chosen)
        {
            Console.WriteLine($"== {b.Name}: {b.Description}");
            await b.RunAsync(args.Skip(1).ToArray());
        }
        return 0;
    }
}
