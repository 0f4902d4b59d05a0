//! Prints a greeting and a sum, so tests can check the installed program's output.

fn main() {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "world".to_string());
    let mut buffer = itoa::Buffer::new();
    let sum = buffer.format((1..=10u64).sum::<u64>());
    println!("hello-bin says hello to {name}; 1+...+10 = {sum}");
}
