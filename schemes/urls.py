app_name = "schemes"
urlpatterns: list = []
