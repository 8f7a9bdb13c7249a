namespace Berth;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("berth: not yet wired");
        return 2;
    }
}
