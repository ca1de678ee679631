fn main() {
    println!("hotspot: under construction");
}
